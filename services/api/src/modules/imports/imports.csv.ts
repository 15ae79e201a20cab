import { parse } from 'csv-parse/sync';
import { CsvUnreadable, MissingColumns } from './imports.errors.ts';

/**
 * The CSV format of the bulk import (ADR 0009), as case-management software exports it: `;`
 * separated (`,` is detected too), UTF-8 with or without BOM (Windows-1252 is accepted as a
 * fallback), one line per approval, the child's master data repeated on each of its lines.
 */
export const COLUMNS = {
  caseReference: 'Aktenzeichen',
  givenName: 'Vorname',
  familyName: 'Nachname',
  birthDate: 'Geburtsdatum',
  benefitType: 'Leistungsart',
  legalBasis: 'Rechtskreis',
  costBearer: 'Kostentraeger',
  validFrom: 'Gueltig_ab',
  validTo: 'Gueltig_bis',
  amount: 'Betrag',
  hours: 'Stunden',
  hourlyRate: 'Stundensatz',
  provider: 'Anbieter',
  subject: 'Fach',
  reference: 'Bescheid',
  district: 'Stadtbezirk',
} as const;
export type ColumnKey = keyof typeof COLUMNS;

const REQUIRED: ColumnKey[] = [
  'caseReference',
  'givenName',
  'familyName',
  'birthDate',
  'benefitType',
  'legalBasis',
  'validFrom',
  'validTo',
];

/** Header names are matched loosely: case, umlauts (ä/ae), spaces, `_`, `-` and `.` do not matter. */
export function foldName(value: string): string {
  return value
    .toLowerCase()
    .replaceAll('ä', 'ae')
    .replaceAll('ö', 'oe')
    .replaceAll('ü', 'ue')
    .replaceAll('ß', 'ss')
    .replace(/[^a-z0-9]/g, '');
}

const HEADER_ALIASES: Record<string, ColumnKey> = {
  ...Object.fromEntries(Object.entries(COLUMNS).map(([k, v]) => [foldName(v), k as ColumnKey])),
  az: 'caseReference',
  sozialraum: 'district',
  bezirk: 'district',
  geburtstag: 'birthDate',
  leistung: 'benefitType',
  gueltigvon: 'validFrom',
  von: 'validFrom',
  bis: 'validTo',
  betrageur: 'amount',
  stundensatzeur: 'hourlyRate',
  anbieterid: 'provider',
  bescheidnummer: 'reference',
};

export interface CsvRow {
  /** Line number in the file (the header is line 1). */
  line: number;
  values: Partial<Record<ColumnKey, string>>;
}

/** Bytes to text: UTF-8 (BOM stripped); bytes that are not UTF-8 are read as Windows-1252. */
export function decodeCsv(bytes: Buffer | string): string {
  if (typeof bytes === 'string') return bytes.replace(/^\uFEFF/, '');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Parses the file into rows keyed by column; throws 400 `invalid_csv` / `missing_columns`. */
export function parseCsv(text: string): CsvRow[] {
  const newline = text.indexOf('\n');
  const firstLine = newline >= 0 ? text.slice(0, newline) : text;
  const delimiter = firstLine.includes(';') ? ';' : firstLine.includes('\t') ? '\t' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { lines?: number; message: string };
    throw new CsvUnreadable(e.lines ?? 0, e.message);
  }
  const [header, ...data] = records;
  if (!header) throw new MissingColumns(REQUIRED.map((k) => COLUMNS[k]));
  const keys = header.record.map((name) => HEADER_ALIASES[foldName(name)]);
  const missing = REQUIRED.filter((k) => !keys.includes(k));
  if (missing.length > 0) throw new MissingColumns(missing.map((k) => COLUMNS[k]));
  return data
    .filter((r) => r.record.some((v) => v !== ''))
    .map((r) => {
      const values: CsvRow['values'] = {};
      r.record.forEach((value, i) => {
        const key = keys[i];
        if (key && value !== '') values[key] = value;
      });
      return { line: r.info.lines, values };
    });
}

const BENEFIT_ALIASES: Record<string, string> = {
  lunch: 'lunch',
  mittagessen: 'lunch',
  mittagsverpflegung: 'lunch',
  gemeinschaftlichemittagsverpflegung: 'lunch',
  participation: 'participation',
  teilhabe: 'participation',
  sozialeundkulturelleteilhabe: 'participation',
  tutoring: 'tutoring',
  lernfoerderung: 'tutoring',
  nachhilfe: 'tutoring',
  trip: 'trip',
  ausflug: 'trip',
  ausfluege: 'trip',
  klassenfahrt: 'trip',
  ausfluegeundklassenfahrten: 'trip',
  schoolsupplies: 'school_supplies',
  schulbedarf: 'school_supplies',
  persoenlicherschulbedarf: 'school_supplies',
  transport: 'transport',
  schuelerbefoerderung: 'transport',
};

/** How the import spells each value (its error messages and the template use these; aliases are read too). */
export const IMPORT_BENEFIT_VALUES = {
  lunch: 'Mittagessen',
  participation: 'Teilhabe',
  tutoring: 'Lernfoerderung',
  trip: 'Ausflug',
  school_supplies: 'Schulbedarf',
  transport: 'Schuelerbefoerderung',
} as const;
export const IMPORT_LEGAL_BASIS_VALUES = {
  SGB_II: 'SGB II',
  SGB_XII_3: 'SGB XII 3',
  SGB_XII_4: 'SGB XII 4',
  BKGG_KIZ: 'BKGG KiZ',
  BKGG_WOGG: 'BKGG WoGG',
  ASYLBLG: 'AsylbLG',
} as const;

export function benefitTypeOf(value: string): string | null {
  return BENEFIT_ALIASES[foldName(value)] ?? null;
}

const LEGAL_BASIS_ALIASES: Record<string, string> = {
  sgbii: 'SGB_II',
  sgb2: 'SGB_II',
  buergergeld: 'SGB_II',
  sgbxii3: 'SGB_XII_3',
  sgbxii3kap: 'SGB_XII_3',
  sgbxiikap3: 'SGB_XII_3',
  sgb123: 'SGB_XII_3',
  sgbxii4: 'SGB_XII_4',
  sgbxii4kap: 'SGB_XII_4',
  sgbxiikap4: 'SGB_XII_4',
  sgb124: 'SGB_XII_4',
  bkggkiz: 'BKGG_KIZ',
  kiz: 'BKGG_KIZ',
  kinderzuschlag: 'BKGG_KIZ',
  bkggwogg: 'BKGG_WOGG',
  wogg: 'BKGG_WOGG',
  wohngeld: 'BKGG_WOGG',
  asylblg: 'ASYLBLG',
};

export function legalBasisOf(value: string): string | null {
  return LEGAL_BASIS_ALIASES[foldName(value)] ?? null;
}
