import type { SessionUser } from '../../session';
import type { BatchStatus, PaymentFile } from './accounting-api';

/** German names of the batch states (the settlement state machine, docs/domain). */
export const BATCH_STATUS_LABELS: Record<BatchStatus, string> = {
  open: 'Offen',
  certified: 'Geprüft',
  released: 'Angeordnet',
  exported: 'In Zahlungsdatei',
  paid: 'Bezahlt',
  returned: 'Zurückgekommen',
  carried_forward: 'Vorgetragen',
};

/** What the next step is, for the status column's second line. */
export const BATCH_STATUS_HINTS: Record<BatchStatus, string> = {
  open: 'wartet auf Prüfung',
  certified: 'wartet auf Anordnung',
  released: 'bereit zur Zahlung',
  exported: 'wartet auf Zahlungseingang',
  paid: 'abgeschlossen',
  returned: 'Bank hat die Überweisung zurückgegeben: Bankdaten korrigieren, neu zahlen',
  carried_forward: 'Betrag ≤ 0, in die nächste Abrechnung übertragen',
};

export const PAYMENT_FILE_STATUS_LABELS: Record<PaymentFile['status'], string> = {
  exported: 'Exportiert',
  paid: 'Bezahlt',
  partly_paid: 'Teilweise bezahlt',
};

const BENEFIT_LABELS: Record<string, string> = {
  lunch: 'Mittagessen',
  participation: 'Teilhabe',
  tutoring: 'Lernförderung',
  trip: 'Ausflug / Klassenfahrt',
  school_supplies: 'Schulbedarf',
  transport: 'Schülerbeförderung',
};

const LEGAL_BASIS_LABELS: Record<string, string> = {
  SGB_II: 'SGB II',
  SGB_XII_3: 'SGB XII (3. Kap.)',
  SGB_XII_4: 'SGB XII (4. Kap.)',
  BKGG_KIZ: 'BKGG (Kinderzuschlag)',
  BKGG_WOGG: 'BKGG (Wohngeld)',
  ASYLBLG: 'AsylbLG',
};

const COST_BEARER_LABELS: Record<string, string> = {
  JOBCENTER: 'Jobcenter',
  SOZIALAMT: 'Sozialamt',
  KREIS: 'Kreis',
};

export const benefitLabel = (value: string | null | undefined) => (value ? (BENEFIT_LABELS[value] ?? value) : '–');
export const legalBasisLabel = (value: string | null | undefined) =>
  value ? (LEGAL_BASIS_LABELS[value] ?? value) : '–';
export const costBearerLabel = (value: string | null | undefined) =>
  value ? (COST_BEARER_LABELS[value] ?? value) : '–';

const timestampFormat = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** `2026-11-21T13:05:00Z` → `21.11.2026, 14:05 Uhr` (Berlin time). */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '–';
  return `${timestampFormat.format(new Date(iso))} Uhr`;
}

/** `2026-11` → `11/2026`. */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-');
  return y && m ? `${m}/${y}` : month;
}

/**
 * Who did a step. The API gives user ids only; the signed-in user recognises themself ("Ihnen"), any
 * other user is shown by a short form of the id (enough to tell two people apart in the audit).
 */
export function actorLabel(userId: string | null | undefined, me: SessionUser): string {
  if (!userId) return '–';
  if (userId === me.id) return `Ihnen (${me.username})`;
  return `einer anderen Person (Konto …${userId.slice(-6)})`;
}
