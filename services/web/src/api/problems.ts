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
  meal_price_missing: 'Für heute ist kein Essenspreis hinterlegt. Bitte an die Stadt wenden.',
  amount_required: 'Bitte einen Betrag (oder bei Lernförderung die Minuten) angeben.',
  invalid_range: 'Der Zeitraum ist ungültig.',
  // Back office
  active_card_exists: 'Das Kind hat bereits eine aktive Karte.',
  invalid_iban: 'Die IBAN ist ungültig.',
  four_eyes_required: 'Vier-Augen-Prinzip: Diese Freigabe muss eine andere Person erteilen.',
  username_taken: 'Dieser Benutzername ist bereits vergeben.',
};

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  requestId?: string;
  errors?: { pointer: string; detail: string }[];
}

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
