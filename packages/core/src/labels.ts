import type { BenefitType, LegalBasis } from './benefits.ts';
import type { Role } from './roles.ts';

/**
 * German names of the codes the product defines (ADR 0017): the one place the UI, the documents and
 * the catalogue take them from. `name` is what a screen shows; `long` adds what a caseworker or the
 * terminal needs when choosing; `catalogue` is the official name in the catalogue tables
 * (`benefit_types.name_de`, `legal_bases.name_de`, filled by migration 0001 — a test keeps the two equal).
 * Cost bearers are the city's own data: their names come from the catalogue table, not from here.
 */
export const BENEFIT_TYPE_NAMES: Record<BenefitType, { name: string; long: string; catalogue: string }> = {
  lunch: { name: 'Mittagessen', long: 'Mittagessen', catalogue: 'Gemeinschaftliche Mittagsverpflegung' },
  participation: {
    name: 'Teilhabe',
    long: 'Teilhabe (Verein, Kultur, Freizeit)',
    catalogue: 'Soziale und kulturelle Teilhabe',
  },
  tutoring: { name: 'Lernförderung', long: 'Lernförderung', catalogue: 'Lernförderung' },
  trip: { name: 'Ausflug / Klassenfahrt', long: 'Ausflug / Klassenfahrt', catalogue: 'Ausflüge und Klassenfahrten' },
  school_supplies: {
    name: 'Schulbedarf',
    long: 'Schulbedarf (nur Auszahlung)',
    catalogue: 'Persönlicher Schulbedarf',
  },
  transport: {
    name: 'Schülerbeförderung',
    long: 'Schülerbeförderung (nur Auszahlung)',
    catalogue: 'Schülerbeförderung',
  },
};

/** Legal bases (Rechtskreise). */
export const LEGAL_BASIS_NAMES: Record<LegalBasis, { name: string; catalogue: string }> = {
  SGB_II: { name: 'SGB II', catalogue: 'SGB II (Bürgergeld)' },
  SGB_XII_3: { name: 'SGB XII (3. Kapitel)', catalogue: 'SGB XII, 3. Kapitel (Hilfe zum Lebensunterhalt)' },
  SGB_XII_4: { name: 'SGB XII (4. Kapitel)', catalogue: 'SGB XII, 4. Kapitel (Grundsicherung)' },
  BKGG_KIZ: { name: 'BKGG (Kinderzuschlag)', catalogue: 'BKGG § 6b (Kinderzuschlag)' },
  BKGG_WOGG: { name: 'BKGG (Wohngeld)', catalogue: 'BKGG § 6b (Wohngeld)' },
  ASYLBLG: { name: 'AsylbLG', catalogue: 'Asylbewerberleistungsgesetz' },
};

/** The short name of a benefit type; an unknown code (a newer server) as it is, none as '–'. */
export function benefitTypeName(code: string | null | undefined): string {
  if (!code) return '–';
  return BENEFIT_TYPE_NAMES[code as BenefitType]?.name ?? code;
}

/** The name of a legal basis; an unknown code as it is, none as '–'. */
export function legalBasisName(code: string | null | undefined): string {
  if (!code) return '–';
  return LEGAL_BASIS_NAMES[code as LegalBasis]?.name ?? code;
}

/** User roles. */
export const ROLE_NAMES = {
  caseworker: 'Sachbearbeitung',
  accounting: 'Buchhaltung',
  admin: 'Administration',
  provider_admin: 'Anbieter (Verwaltung)',
  provider_staff: 'Anbieter (Personal)',
} as const satisfies Record<Role, string>;

/** Provider categories. */
export const PROVIDER_CATEGORY_NAMES = {
  caterer: 'Caterer',
  kita: 'Kita',
  school: 'Schule',
  club: 'Verein',
  music_school: 'Musikschule',
  culture: 'Kultur',
  tutor: 'Nachhilfe / Lernförderung',
  travel_operator: 'Reiseveranstalter',
} as const;

/** Provider states of the four-eyes approval. */
export const PROVIDER_STATUS_NAMES = {
  approved: 'zugelassen',
  pending: 'wartet auf Freigabe',
  needs_reapproval: 'Bankdaten geändert – Freigabe nötig',
  suspended: 'gesperrt',
} as const;

/** Approval states (derived by the server from the period, the grace period and a revocation). */
export const APPROVAL_STATUS_NAMES = {
  active: 'aktiv',
  upcoming: 'beginnt später',
  grace: 'Nachfrist',
  expired: 'abgelaufen',
  revoked: 'aufgehoben',
  recorded: 'nur erfasst (Auszahlung)',
} as const;

/** Card states and the reasons a card is blocked. */
export const CARD_STATUS_NAMES = { active: 'aktiv', blocked: 'gesperrt', replaced: 'ersetzt' } as const;
export const BLOCK_REASON_NAMES = {
  lost: 'verloren',
  stolen: 'gestohlen',
  damaged: 'beschädigt',
  other: 'anderer Grund',
} as const;

/** Settlement batch states, and what the next step is (for a second line under the state). */
export const BATCH_STATUS_NAMES = {
  open: 'Offen',
  certified: 'Geprüft',
  released: 'Angeordnet',
  exported: 'In Zahlungsdatei',
  paid: 'Bezahlt',
  returned: 'Zurückgekommen',
  carried_forward: 'Vorgetragen',
} as const;
export const BATCH_STATUS_HINTS: Record<keyof typeof BATCH_STATUS_NAMES, string> = {
  open: 'wartet auf Prüfung',
  certified: 'wartet auf Anordnung',
  released: 'bereit zur Zahlung',
  exported: 'wartet auf Zahlungseingang',
  paid: 'abgeschlossen',
  returned: 'Bank hat die Überweisung zurückgegeben: Bankdaten korrigieren, neu zahlen',
  carried_forward: 'Betrag ≤ 0, in die nächste Abrechnung übertragen',
};

/** Kinds of settlement lines. */
export const BATCH_LINE_KIND_NAMES = {
  redemption: 'Buchung',
  correction: 'Korrektur',
  carry_forward: 'Übertrag',
} as const;

/** Payment file states. */
export const PAYMENT_FILE_STATUS_NAMES = {
  exported: 'Exportiert',
  paid: 'Bezahlt',
  partly_paid: 'Teilweise bezahlt',
} as const;

/** How the participation budget is computed (a city setting). */
export const PARTICIPATION_MODE_NAMES = {
  flat: 'Pauschale (Monatssatz)',
  capped: 'Tatsächliche Kosten bis zum Monatssatz',
} as const;

/** What a read of a child's data was (the child's access log, Zugriffsprotokoll; the Art. 15 export). */
export const ACCESS_ACTION_NAMES = {
  search: 'in einer Suche gefunden',
  view: 'Kinderseite geöffnet',
  approval: 'Bewilligung angesehen',
  card: 'Karte angesehen',
  card_print: 'Karte gedruckt',
  letter: 'Brief an die Familie gedruckt',
  export: 'Auskunft (Art. 15 DSGVO) erstellt',
  family_balance: 'Guthaben von der Familie abgefragt',
  list: 'in einer Liste gezeigt (Erinnerungsliste, Kinder eines Imports)',
} as const;
export type AccessAction = keyof typeof ACCESS_ACTION_NAMES;
export const ACCESS_ACTIONS = Object.keys(ACCESS_ACTION_NAMES) as AccessAction[];
