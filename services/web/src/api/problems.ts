import type { components } from '../api-types';

/**
 * German texts for the API's problem codes (RFC 9457 `code`), in one place. Unknown codes fall back
 * to the problem's `detail`, then to a generic sentence with the status.
 */
const MESSAGES: Record<string, string> = {
  // Sign-in and permissions
  invalid_credentials: 'Benutzername oder Passwort ist falsch.',
  unauthenticated: 'Sitzung abgelaufen – bitte erneut anmelden',
  forbidden: 'Dafür fehlt Ihnen die Berechtigung.',
  rate_limited: 'Zu viele Anfragen. Bitte einen Moment warten und erneut versuchen.',
  // Input
  validation_failed: 'Die Eingabe ist unvollständig oder ungültig.',
  malformed_json: 'Die Anfrage war fehlerhaft. Bitte die Seite neu laden.',
  unsupported_media_type: 'Die Anfrage war fehlerhaft. Bitte die Seite neu laden.',
  not_found: 'Nicht gefunden.',
  internal_error: 'Unerwarteter Fehler auf dem Server. Bitte später erneut versuchen.',
  // Terminal
  invalid_code: 'Kartennummer oder QR-Code ist ungültig.',
  card_not_found: 'Diese Karte ist nicht bekannt.',
  card_blocked: 'Die Karte ist gesperrt.',
  insufficient_budget: 'Das Guthaben reicht für diesen Betrag nicht aus.',
  already_redeemed_today: 'Für dieses Kind wurde heute schon ein Mittagessen gebucht.',
  approval_not_active: 'Die Bewilligung ist nicht (mehr) gültig.',
  service_date_invalid: 'Das Leistungsdatum ist nicht zulässig (in der Zukunft oder außerhalb der Bewilligung).',
  not_redeemable_here: 'Diese Leistung kann bei Ihnen nicht eingelöst werden.',
  idempotency_key_reused: 'Die Buchung wurde mit anderen Daten wiederholt. Bitte neu beginnen.',
  idempotency_key_required: 'Die Buchung konnte nicht eindeutig gesendet werden. Bitte erneut versuchen.',
  already_reversed: 'Diese Buchung wurde bereits storniert.',
  redemption_not_found: 'Diese Buchung wurde nicht gefunden.',
  provider_not_approved: 'Ihre Einrichtung ist derzeit nicht zur Abrechnung zugelassen.',
  provider_not_payable:
    'Der Anbieter ist nicht (mehr) zugelassen; seine Abrechnungen können nicht freigegeben oder ausgezahlt werden.',
  meal_price_missing: 'Für heute ist kein Essenspreis hinterlegt. Bitte an die Stadt wenden.',
  amount_required: 'Bitte einen Betrag (oder bei Lernförderung die Minuten) angeben.',
  invalid_range: 'Der Zeitraum ist ungültig.',
  // Back office
  logo_unsupported:
    'Das Logo wurde nicht angenommen: bitte eine PNG- oder SVG-Datei ohne Skripte und ohne Verweise auf andere Dateien wählen (mindestens 16 × 16 Pixel).',
  logo_too_large: 'Das Logo ist zu groß: höchstens 512 KB und höchstens 4000 × 4000 Pixel.',
  active_card_exists: 'Das Kind hat bereits eine aktive Karte.',
  invalid_iban: 'Die IBAN ist ungültig.',
  four_eyes_required: 'Vier-Augen-Prinzip: Diese Freigabe muss eine andere Person erteilen.',
  username_taken: 'Dieser Benutzername ist bereits vergeben.',
  too_many_attempts: 'Zu viele Versuche. Bitte später erneut versuchen.',
  bank_data_unapproved:
    'Der Anbieter hat seine Bankdaten geändert; sie müssen erst in der Verwaltung freigegeben werden.',
  // Accounting (settlement, payment files)
  batch_not_found: 'Diese Abrechnung wurde nicht gefunden.',
  payment_file_not_found: 'Diese Zahlungsdatei wurde nicht gefunden.',
  invalid_batch_state:
    'Die Abrechnung ist nicht (mehr) in dem Status, den dieser Schritt verlangt. Bitte die Ansicht neu laden.',
  cutoff_date_invalid: 'Der Stichtag darf höchstens morgen sein (dann wird alles bisher Gebuchte abgerechnet).',
  execution_date_invalid: 'Das Ausführungsdatum muss ein Bankarbeitstag ab heute sein.',
  paid_on_invalid:
    'Das Datum der Wertstellung darf nicht vor dem Ausführungsdatum der Zahlungsdatei und nicht in der Zukunft liegen.',
  nothing_to_pay: 'Die Abrechnung hat keinen positiven Betrag und kann nicht überwiesen werden.',
  bank_data_not_corrected:
    'Die Bank hat diese Überweisung zurückgegeben. Erst die Bankdaten des Anbieters korrigieren und freigeben lassen, dann neu zahlen.',
  // Verwaltung: providers, catalogue, users
  invalid_bic: 'Die BIC ist ungültig (8 oder 11 Zeichen). Wenn unbekannt, bitte leer lassen.',
  benefit_types_not_allowed: 'Diese Leistungsarten passen nicht zur Kategorie des Anbieters.',
  category_required: 'Bitte eine Kategorie wählen, die zu allen gewählten Leistungsarten passt.',
  meal_price_not_applicable: 'Ein Essenspreis gilt nur für Anbieter, die Mittagessen abrechnen.',
  meal_price_above_cap: 'Der Essenspreis liegt über der Obergrenze der Stadt.',
  meal_price_exists: 'Ab diesem Datum gibt es schon einen Essenspreis. Bitte ein anderes Datum wählen.',
  provider_status_conflict: 'Das ist im aktuellen Status des Anbieters nicht möglich.',
  provider_not_found: 'Dieser Anbieter wurde nicht gefunden.',
  unknown_benefit_type: 'Diese Leistungsart ist im Katalog nicht bekannt.',
  rate_not_after_latest: 'Ein neuer Satz muss nach dem zuletzt gültigen Satz beginnen (Sätze werden nie geändert).',
  provider_required: 'Anbieter-Rollen brauchen einen Anbieter; die anderen Rollen keinen.',
  user_not_found: 'Dieses Benutzerkonto wurde nicht gefunden.',
  cannot_deactivate_self: 'Das eigene Benutzerkonto kann nicht deaktiviert werden.',
  staff_limit_reached:
    'Dieser Anbieter hat schon so viele aktive Konten, wie die Stadt erlaubt. Bitte zuerst ein Konto deaktivieren.',
  // Fallbearbeitung: children, approvals, cards, import
  case_reference_taken: 'Ein Kind mit diesem Aktenzeichen gibt es bereits. Bitte danach suchen.',
  invalid_birth_date: 'Das Geburtsdatum liegt in der Zukunft.',
  unknown_cost_bearer: 'Dieser Kostenträger ist im Katalog nicht bekannt.',
  approval_revoked: 'Diese Bewilligung wurde aufgehoben. Bitte eine neue Bewilligung anlegen.',
  invalid_effective_date: 'Das Datum der Aufhebung muss im Bewilligungszeitraum liegen.',
  budget_below_booked: 'Das neue Budget wäre kleiner als der bereits gebuchte Betrag.',
  approval_overlaps:
    'Für diesen Zeitraum gibt es schon eine Bewilligung dieser Leistungsart. Bitte die bestehende ändern oder aufheben.',
  beneficiary_not_found: 'Dieses Kind wurde nicht gefunden.',
  approval_not_found: 'Diese Bewilligung wurde nicht gefunden.',
  card_not_active: 'Die Karte ist nicht aktiv.',
  card_already_replaced: 'Diese Karte wurde bereits ersetzt. Bitte mit der neuen Karte weiterarbeiten.',
  invalid_period: '„Gültig bis“ liegt vor „Gültig ab“.',
  provider_cannot_redeem: 'Der gewählte Anbieter darf diese Leistungsart nicht abrechnen.',
  field_not_applicable: 'Ein Feld passt nicht zu dieser Leistungsart.',
  not_eligible_age: 'Das Kind ist für diese Leistung im gewählten Zeitraum zu alt.',
  no_rate: 'Für einen Monat des Zeitraums ist kein Satz im Katalog hinterlegt.',
  named_provider_required: 'Lernförderung braucht einen benannten Anbieter.',
  hours_required: 'Bitte die Zahl der Stunden angeben.',
  hourly_rate_required: 'Bitte den Stundensatz angeben.',
  import_not_found: 'Dieser Import wurde nicht gefunden.',
};

/** A problem+json body (RFC 9457) as the contract defines it; partial, since a proxy may answer too. */
export type ProblemBody = Partial<components['schemas']['Problem']>;

/** An API call that failed: a problem from the server or no answer at all (`network`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: ProblemBody | undefined;
  constructor(status: number, problem: ProblemBody | undefined, code = problem?.code ?? `http_${status}`) {
    super(germanMessage(code, problem, status));
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problem = problem;
  }
}

export const NETWORK_MESSAGE = 'Keine Verbindung zum Server. Bitte Netzwerk prüfen und erneut versuchen.';

export function germanMessage(code: string, problem?: ProblemBody, status?: number): string {
  if (code === 'network') return NETWORK_MESSAGE;
  const known = MESSAGES[code];
  if (known) return known;
  if (problem?.detail) return problem.detail;
  return `Die Anfrage ist fehlgeschlagen (Status ${status ?? 'unbekannt'}).`;
}

/** A message for anything caught around an API call. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return NETWORK_MESSAGE;
}
