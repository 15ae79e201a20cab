import { parse as parseStream } from 'csv-parse';
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

/** Where the CSV bytes come from: each call starts again at the first byte (the import reads twice). */
export type CsvSource = () => AsyncIterable<Buffer | Uint8Array>;

/** A file held in memory as a source (tests, the benchmark, small uploads). */
export const bufferSource = (file: Buffer | string): CsvSource =>
  async function* () {
    yield typeof file === 'string' ? Buffer.from(file, 'utf8') : file;
  };

/**
 * Bytes are decoded this many at a time, whatever the size of the source's chunks: the text of a piece
 * (at most 64 KiB as UTF-16) stays below V8's large-object size, so it is allocated young and dies young.
 * Decoded whole, a 1 MiB read became a 1–2 MiB string in the old generation, collected only by a full
 * collection: at 400,000 lines that garbage raised the import's peak RSS by ≈ 50–80 MiB (ADR 0038).
 */
const DECODE_BYTES = 32 * 1024;

/** Bytes to text piece by piece, UTF-8 (BOM stripped) or Windows-1252; throws on bad UTF-8 if fatal. */
async function* decoded(source: CsvSource, encoding: 'utf-8' | 'windows-1252'): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8', ignoreBOM: false });
  for await (const chunk of source()) {
    for (let at = 0; at < chunk.length; at += DECODE_BYTES) {
      const text = decoder.decode(chunk.subarray(at, at + DECODE_BYTES), { stream: true });
      if (text) yield text;
    }
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

/** UTF-8 if every byte is UTF-8, else Windows-1252 (the same rule as `decodeCsv`), reading once. */
export async function detectEncoding(source: CsvSource): Promise<'utf-8' | 'windows-1252'> {
  try {
    for await (const _ of decoded(source, 'utf-8'));
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/**
 * The same rows as `parseCsv`, streamed: the file is never held as one string and the parser's
 * records are dropped as they are read. Yields the rows (line numbers as in `parseCsv`); throws
 * 400 `invalid_csv` / `missing_columns` as `parseCsv` does (the header is checked before any row).
 */
export async function* streamCsv(source: CsvSource, encoding: 'utf-8' | 'windows-1252'): AsyncGenerator<CsvRow> {
  const texts = decoded(source, encoding);
  const first = await texts.next();
  const head = first.done ? '' : first.value.replace(/^\uFEFF/, '');
  const newline = head.indexOf('\n');
  const firstLine = newline >= 0 ? head.slice(0, newline) : head;
  const delimiter = firstLine.includes(';') ? ';' : firstLine.includes('\t') ? '\t' : ',';
  const parser = parseStream({
    delimiter,
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  });
  // Feed the parser from the decoded chunks, respecting its back pressure.
  const feed = (async () => {
    if (head) if (!parser.write(head)) await new Promise((r) => parser.once('drain', r));
    for await (const text of texts) {
      if (!parser.write(text)) await new Promise((r) => parser.once('drain', r));
    }
    parser.end();
  })();
  feed.catch((err) => parser.destroy(err as Error));
  let keys: (ColumnKey | undefined)[] | null = null;
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!keys) {
        keys = r.record.map((name) => HEADER_ALIASES[foldName(name)]);
        const missing = REQUIRED.filter((k) => !keys!.includes(k));
        if (missing.length > 0) throw new MissingColumns(missing.map((k) => COLUMNS[k]));
        continue;
      }
      if (!r.record.some((v) => v !== '')) continue;
      const values: CsvRow['values'] = {};
      r.record.forEach((value, i) => {
        const key = keys![i];
        if (key && value !== '') values[key] = value;
      });
      yield { line: r.info.lines, values };
    }
  } catch (err) {
    if (err instanceof MissingColumns) throw err;
    const e = err as { lines?: number; message: string };
    throw new CsvUnreadable(e.lines ?? 0, e.message);
  } finally {
    parser.destroy();
  }
  if (!keys) throw new MissingColumns(REQUIRED.map((k) => COLUMNS[k]));
}
