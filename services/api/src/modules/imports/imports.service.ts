import {
  berlinDate,
  type CivilDate,
  type Clock,
  evaluateApproval,
  hasForbiddenCharacters,
  newId,
  parseEuroToCents,
  parseGermanOrIsoDate,
  type RuleField,
} from '@tk/core';
import {
  beneficiaries,
  costBearers,
  type Db,
  type DbOrTx,
  importJobs,
  insertMany,
  providers,
  queryRows,
  readTogether,
} from '@tk/db';
import { desc, eq, inArray, sql } from 'drizzle-orm';
import { type Actor, auditMany } from '../../lib/audit.ts';
import type { KeyRing } from '../../lib/keys.ts';
import { openBudgets } from '../bookings/bookings.service.ts';
import { issueCardsInBulk } from '../cards/cards.service.ts';
import { getSettings, ratesOf } from '../catalogue/catalogue.service.ts';
import {
  benefitTypeOf,
  bufferSource,
  COLUMNS,
  type ColumnKey,
  type CsvRow,
  type CsvSource,
  detectEncoding,
  IMPORT_BENEFIT_VALUES,
  IMPORT_LEGAL_BASIS_VALUES,
  legalBasisOf,
  streamCsv,
} from './imports.csv.ts';
import { importNotFound } from './imports.errors.ts';
import { findImportOverlaps } from './imports.overlaps.ts';
import type { ImportJob } from './imports.schemas.ts';
import { FileState, LineSet } from './imports.state.ts';

/** Rows written per transaction (ADR 0009): large enough for few round trips, small enough for short locks. */
export const DEFAULT_CHUNK_SIZE = 1000;
/** Lookups of existing rows are batched too (bind-parameter limit of PostgreSQL: 65,535). */
const LOOKUP_BATCH = 5000;
/** The stored report keeps this many lines; more errors are summarised in one closing line. */
const REPORT_LIMIT = 10_000;

export interface ImportOptions {
  mode: 'dry_run' | 'import';
  issueCards: boolean;
  fileName?: string | undefined;
  chunkSize?: number | undefined;
}

interface ReportLine {
  line: number;
  field: string;
  message: string;
}

interface ValidRow {
  line: number;
  caseReference: string;
  givenName: string;
  familyName: string;
  birthDate: CivilDate;
  benefitType: string;
  legalBasis: string;
  costBearer: string | null;
  validFrom: CivilDate;
  validTo: CivilDate;
  providerId: string | null;
  amountCents: number | null;
  hours: number | null;
  hourlyRateCents: number | null;
  subject: string | null;
  reference: string | null;
  /** Stadtbezirk of a new child (optional; one of the city's districts). */
  district: string | null;
  budgetCents: number | null;
  importKey: string;
}

const RULE_COLUMN: Record<RuleField, string> = {
  validFrom: COLUMNS.validFrom,
  validTo: COLUMNS.validTo,
  providerId: COLUMNS.provider,
  amountCents: COLUMNS.amount,
  hours: COLUMNS.hours,
  hourlyRateCents: COLUMNS.hourlyRate,
  benefitType: COLUMNS.benefitType,
};

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type JobRow = typeof importJobs.$inferSelect;

function toJob(row: JobRow): ImportJob {
  return {
    id: row.id,
    mode: row.mode,
    status: row.status,
    ...(row.fileName ? { fileName: row.fileName } : {}),
    totalRows: row.totalRows,
    processedRows: row.processedRows,
    validRows: row.validRows,
    invalidRows: row.invalidRows,
    unchangedRows: Math.max(0, row.validRows - row.createdApprovals),
    createdBeneficiaries: row.createdBeneficiaries,
    createdApprovals: row.createdApprovals,
    issuedCards: row.issuedCards,
    report: row.report ?? [],
    createdAt: row.createdAt.toISOString(),
    ...(row.finishedAt ? { finishedAt: row.finishedAt.toISOString() } : {}),
  };
}

interface Lookups {
  costBearerByKey: Map<string, string>;
  providerById: Map<string, { id: string; benefitTypes: string[] }>;
  providerIdsByName: Map<string, string[]>;
  participationRates: Awaited<ReturnType<typeof ratesOf>>;
  districts: Set<string>;
}

/** The lookups every row needs (cost bearers, providers, rates, districts); children are looked up per batch of rows. */
async function loadLookups(db: DbOrTx): Promise<Lookups> {
  const [bearers, providerRows, participationRates, settings] = await readTogether(db, [
    () => db.select().from(costBearers),
    () => db.select({ id: providers.id, name: providers.name, benefitTypes: providers.benefitTypes }).from(providers),
    () => ratesOf(db, 'participation'),
    () => getSettings(db),
  ]);
  const costBearerByKey = new Map<string, string>();
  for (const b of bearers) {
    costBearerByKey.set(b.code.toLowerCase(), b.code);
    costBearerByKey.set(b.nameDe.toLowerCase(), b.code);
  }
  const providerById = new Map(providerRows.map((p) => [p.id, p]));
  const providerIdsByName = new Map<string, string[]>();
  for (const p of providerRows) {
    const key = p.name.trim().toLowerCase();
    providerIdsByName.set(key, [...(providerIdsByName.get(key) ?? []), p.id]);
  }
  return {
    costBearerByKey,
    providerById,
    providerIdsByName,
    participationRates,
    districts: new Set(settings.districts),
  };
}

/** Notes in the file's state the stored children of these rows' case references met for the first time. */
async function addExistingChildren(db: DbOrTx, state: FileState, rows: CsvRow[]): Promise<void> {
  const refs = [
    ...new Set(rows.map((r) => r.values.caseReference).filter((v): v is string => Boolean(v) && !state.knows(v!))),
  ];
  for (const part of batches(refs, LOOKUP_BATCH)) {
    // One JSON parameter per batch instead of thousands of bind parameters.
    const found = await queryRows<{
      case_reference: string;
      given_name: string;
      family_name: string;
      birth_date: string;
    }>(
      db,
      sql`select case_reference, given_name, family_name, birth_date from beneficiaries
          where case_reference in (select jsonb_array_elements_text(${JSON.stringify(part)}::jsonb))`,
    );
    for (const f of found) state.setStored(f.case_reference, f.given_name, f.family_name, f.birth_date);
  }
}

const quote = (v: string) => `„${v.length > 60 ? `${v.slice(0, 60)}…` : v}“`;

/**
 * Validates every row (fields, amount rules, consistency of the child's data across lines and with
 * the database, duplicates): returns the valid rows and a German report per line and field. Without
 * a file state (`null`: rows the check has accepted, rebuilt for writing) only the row itself is checked.
 */
function validate(
  rows: CsvRow[],
  lookups: Lookups,
  today: CivilDate,
  state: FileState | null,
): { valid: ValidRow[]; report: ReportLine[]; invalid: number } {
  const report: ReportLine[] = [];
  const valid: ValidRow[] = [];
  let invalid = 0;

  for (const { line, values } of rows) {
    const errors: ReportLine[] = [];
    const err = (key: ColumnKey | string, message: string) =>
      errors.push({ line, field: key in COLUMNS ? COLUMNS[key as ColumnKey] : key, message });
    const required = (key: ColumnKey, max: number): string | null => {
      const v = values[key];
      if (!v) {
        err(key, 'Pflichtfeld fehlt.');
        return null;
      }
      if (v.length > max) {
        err(key, `Zu lang (höchstens ${max} Zeichen).`);
        return null;
      }
      if (hasForbiddenCharacters(v)) {
        err(key, 'Enthält Steuerzeichen oder Schreibrichtungszeichen.');
        return null;
      }
      return v;
    };
    const date = (key: ColumnKey): CivilDate | null => {
      const v = values[key];
      if (!v) {
        err(key, 'Pflichtfeld fehlt.');
        return null;
      }
      const d = parseGermanOrIsoDate(v);
      if (!d) err(key, `Kein gültiges Datum: ${quote(v)} (erwartet TT.MM.JJJJ oder JJJJ-MM-TT).`);
      return d;
    };
    const euros = (key: ColumnKey): number | null => {
      const v = values[key];
      if (!v) return null;
      const cents = parseEuroToCents(v);
      if (cents === null || cents <= 0 || cents > 100_000_00) {
        err(key, `Kein gültiger Betrag: ${quote(v)} (z. B. 123,45).`);
        return null;
      }
      return cents;
    };

    const caseReference = required('caseReference', 64);
    const givenName = required('givenName', 100);
    const familyName = required('familyName', 100);
    const birthDate = date('birthDate');
    if (birthDate && birthDate > today) err('birthDate', 'Das Geburtsdatum liegt in der Zukunft.');
    const benefitRaw = values.benefitType;
    const benefitType = benefitRaw ? benefitTypeOf(benefitRaw) : null;
    if (!benefitRaw) err('benefitType', 'Pflichtfeld fehlt.');
    else if (!benefitType)
      err(
        'benefitType',
        `Unbekannte Leistungsart ${quote(benefitRaw)} (erlaubt: ${Object.values(IMPORT_BENEFIT_VALUES).join(', ')}).`,
      );
    const legalRaw = values.legalBasis;
    const legalBasis = legalRaw ? legalBasisOf(legalRaw) : null;
    if (!legalRaw) err('legalBasis', 'Pflichtfeld fehlt.');
    else if (!legalBasis)
      err(
        'legalBasis',
        `Unbekannter Rechtskreis ${quote(legalRaw)} (erlaubt: ${Object.values(IMPORT_LEGAL_BASIS_VALUES).join(', ')}).`,
      );
    let costBearer: string | null = null;
    if (values.costBearer) {
      costBearer = lookups.costBearerByKey.get(values.costBearer.toLowerCase()) ?? null;
      if (!costBearer) err('costBearer', `Unbekannter Kostenträger ${quote(values.costBearer)}.`);
    }
    const validFrom = date('validFrom');
    const validTo = date('validTo');
    const amountCents = euros('amount');
    const hourlyRateCents = euros('hourlyRate');
    let hours: number | null = null;
    if (values.hours) {
      if (/^\d{1,4}$/.test(values.hours) && Number(values.hours) > 0) hours = Number(values.hours);
      else err('hours', `Stunden müssen eine ganze Zahl größer 0 sein: ${quote(values.hours)}.`);
    }
    let provider: { id: string; benefitTypes: string[] } | null = null;
    if (values.provider) {
      provider = lookups.providerById.get(values.provider) ?? null;
      if (!provider) {
        const ids = lookups.providerIdsByName.get(values.provider.trim().toLowerCase()) ?? [];
        if (ids.length === 1) provider = lookups.providerById.get(ids[0]!)!;
        else if (ids.length > 1)
          err('provider', `Anbietername ${quote(values.provider)} ist nicht eindeutig; bitte die Anbieter-ID angeben.`);
        else err('provider', `Unbekannter Anbieter ${quote(values.provider)}.`);
      }
    }
    const subject = values.subject?.slice(0, 100) ?? null;
    const reference = values.reference?.slice(0, 100) ?? null;
    const district = values.district?.trim() || null;
    if (district && !lookups.districts.has(district)) err('district', `Unbekannter Stadtbezirk ${quote(district)}.`);

    // The child's master data must agree across lines and with an existing child.
    if (state && caseReference && givenName && familyName && birthDate) {
      const clash = state.checkChild(caseReference, line, givenName, familyName, birthDate);
      if (clash?.stored) {
        err(
          'caseReference',
          `Aktenzeichen ${quote(caseReference)} ist bereits mit anderem Namen oder Geburtsdatum erfasst; bitte Stammdaten prüfen.`,
        );
      } else if (clash) {
        err(
          'caseReference',
          `Aktenzeichen ${quote(caseReference)} steht in Zeile ${clash.line} mit anderem Namen oder Geburtsdatum.`,
        );
      }
    }

    let budgetCents: number | null = null;
    if (errors.length === 0 && benefitType && validFrom && validTo && birthDate) {
      const result = evaluateApproval(
        { benefitType, validFrom, validTo, providerId: provider?.id ?? null, amountCents, hours, hourlyRateCents },
        { birthDate, rates: benefitType === 'participation' ? lookups.participationRates : [], provider },
      );
      if (result.ok) budgetCents = result.budgetCents;
      else errors.push({ line, field: RULE_COLUMN[result.field], message: result.detailDe });
    }
    const importKey = `${caseReference}|${benefitType}|${validFrom}|${validTo}`;
    if (state && errors.length === 0) {
      const earlier = state.claimKey(caseReference!, benefitType!, validFrom!, validTo!, line);
      if (earlier !== undefined) {
        err(
          'caseReference',
          `Doppelte Bewilligung: gleiches Aktenzeichen, gleiche Leistungsart und gleicher Zeitraum wie Zeile ${earlier}.`,
        );
      }
    }
    if (errors.length > 0) {
      invalid++;
      report.push(...errors);
      continue;
    }
    valid.push({
      line,
      caseReference: caseReference!,
      givenName: givenName!,
      familyName: familyName!,
      birthDate: birthDate!,
      benefitType: benefitType!,
      legalBasis: legalBasis!,
      costBearer,
      validFrom: validFrom!,
      validTo: validTo!,
      providerId: provider?.id ?? null,
      amountCents,
      hours,
      hourlyRateCents,
      subject,
      reference,
      district,
      budgetCents,
      importKey,
    });
  }
  return { valid, report, invalid };
}

async function existingImportKeys(db: DbOrTx, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of batches(keys, LOOKUP_BATCH)) {
    const rows = await queryRows<{ import_key: string }>(
      db,
      sql`select import_key from approvals
          where import_key in (select jsonb_array_elements_text(${JSON.stringify(part)}::jsonb))`,
    );
    for (const r of rows) found.add(r.import_key);
  }
  return found;
}

/**
 * Writes one chunk of valid rows in one transaction: children, approvals, revisions, cards, audit,
 * progress. A row's child is created unless its case reference is stored (by an earlier chunk, an
 * earlier import or someone else since the check); the ids are read back from the database.
 */
async function writeChunk(
  db: Db,
  ring: KeyRing,
  jobId: string,
  chunk: ValidRow[],
  options: ImportOptions,
  actor: Actor,
): Promise<void> {
  await db.transaction(async (tx) => {
    const childIds = new Map<string, string>();
    const refs = [...new Set(chunk.map((r) => r.caseReference))];
    for (const part of batches(refs, LOOKUP_BATCH)) {
      const rows = await tx
        .select({ id: beneficiaries.id, caseReference: beneficiaries.caseReference })
        .from(beneficiaries)
        .where(
          sql`${beneficiaries.caseReference} in (select jsonb_array_elements_text(${JSON.stringify(part)}::jsonb))`,
        );
      for (const r of rows) if (r.caseReference) childIds.set(r.caseReference, r.id);
    }
    const newChildren = new Map<string, ValidRow>();
    for (const row of chunk) {
      if (!childIds.has(row.caseReference) && !newChildren.has(row.caseReference))
        newChildren.set(row.caseReference, row);
    }
    const created = await insertMany<{ id: string; case_reference: string }>(
      tx,
      'beneficiaries',
      'id text, given_name text, family_name text, birth_date date, case_reference text, district text, created_by text',
      [...newChildren.values()].map((r) => ({
        id: newId('beneficiary'),
        given_name: r.givenName,
        family_name: r.familyName,
        birth_date: r.birthDate,
        case_reference: r.caseReference,
        district: r.district,
        created_by: actor.userId,
      })),
      'on conflict do nothing returning id, case_reference',
    );
    for (const c of created) childIds.set(c.case_reference, c.id);
    const raced = [...newChildren.keys()].filter((ref) => !childIds.has(ref));
    if (raced.length > 0) {
      // Created by someone else since validation: use theirs.
      const rows = await tx
        .select({ id: beneficiaries.id, caseReference: beneficiaries.caseReference })
        .from(beneficiaries)
        .where(inArray(beneficiaries.caseReference, raced));
      for (const r of rows) if (r.caseReference) childIds.set(r.caseReference, r.id);
    }

    const approvalRows = chunk.map((r) => ({
      id: newId('approval'),
      beneficiary_id: childIds.get(r.caseReference)!,
      benefit_type: r.benefitType,
      legal_basis: r.legalBasis,
      cost_bearer: r.costBearer,
      reference: r.reference,
      subject: r.subject,
      valid_from: r.validFrom,
      valid_to: r.validTo,
      provider_id: r.providerId,
      budget_cents: r.budgetCents,
      hours: r.hours,
      hourly_rate_cents: r.hourlyRateCents,
      import_key: r.importKey,
      created_by: actor.userId,
    }));
    const inserted = await insertMany<{ id: string }>(
      tx,
      'approvals',
      'id text, beneficiary_id text, benefit_type text, legal_basis text, cost_bearer text, reference text, subject text, valid_from date, valid_to date, provider_id text, budget_cents integer, hours integer, hourly_rate_cents integer, import_key text, created_by text',
      approvalRows,
      'on conflict do nothing returning id',
    );
    const insertedIds = new Set(inserted.map((i) => i.id));
    const fresh = approvalRows.filter((a) => insertedIds.has(a.id));
    await openBudgets(
      tx,
      fresh.map((a) => a.id),
    );
    await insertMany(
      tx,
      'approval_revisions',
      'id text, approval_id text, kind text, snapshot jsonb, reason text, changed_by text',
      fresh.map((a) => ({
        id: newId('approval'),
        approval_id: a.id,
        kind: 'created',
        snapshot: {
          benefitType: a.benefit_type,
          legalBasis: a.legal_basis,
          costBearer: a.cost_bearer,
          reference: a.reference,
          subject: a.subject,
          validFrom: a.valid_from,
          validTo: a.valid_to,
          providerId: a.provider_id,
          budgetCents: a.budget_cents,
          remainingCents: a.budget_cents,
          hours: a.hours,
          hourlyRateCents: a.hourly_rate_cents,
          revokedFrom: null,
          importJobId: jobId,
        },
        reason: 'Import',
        changed_by: actor.userId,
      })),
    );
    const issued =
      options.issueCards && created.length > 0
        ? (
            await issueCardsInBulk(
              tx,
              ring,
              created.map((c) => c.id),
              actor,
            )
          ).issued
        : [];
    const data = { importJobId: jobId };
    await auditMany(tx, actor, [
      ...created.map((c) => ({ action: 'beneficiary.imported', entityType: 'beneficiary', entityId: c.id, data })),
      ...fresh.map((a) => ({
        action: 'approval.imported',
        entityType: 'approval',
        entityId: a.id,
        data: { ...data, beneficiaryId: a.beneficiary_id, benefitType: a.benefit_type, budgetCents: a.budget_cents },
      })),
      ...issued.map((c) => ({
        action: 'card.issued',
        entityType: 'card',
        entityId: c.id,
        data: { ...data, beneficiaryId: c.beneficiaryId },
      })),
    ]);
    await tx
      .update(importJobs)
      .set({
        processedRows: sql`${importJobs.processedRows} + ${chunk.length}`,
        createdBeneficiaries: sql`${importJobs.createdBeneficiaries} + ${created.length}`,
        createdApprovals: sql`${importJobs.createdApprovals} + ${fresh.length}`,
        issuedCards: sql`${importJobs.issuedCards} + ${issued.length}`,
      })
      .where(eq(importJobs.id, jobId));
  });
}

/** Rows are read, validated and looked up this many at a time: memory stays flat whatever the file size. */
const ROW_BATCH = 5000;

async function* rowBatches(source: CsvSource, encoding: Encoding): AsyncGenerator<CsvRow[]> {
  let batch: CsvRow[] = [];
  for await (const row of streamCsv(source, encoding)) {
    batch.push(row);
    if (batch.length >= ROW_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

type Encoding = 'utf-8' | 'windows-1252';

/**
 * The first pass: validates every row batch by batch (the compact state of the file carried along),
 * looks up stored approvals and overlaps. Keeps only the lines to write, counts and the capped report.
 */
async function checkFile(db: Db, source: CsvSource, encoding: Encoding, today: CivilDate) {
  const lookups = await loadLookups(db);
  const state = new FileState();
  const toWrite = new LineSet();
  const report: ReportLine[] = [];
  let moreErrors = 0;
  let rows = 0;
  let valid = 0;
  let invalid = 0;
  for await (const batch of rowBatches(source, encoding)) {
    rows += batch.length;
    await addExistingChildren(db, state, batch);
    const checked = validate(batch, lookups, today, state);
    const existing = await existingImportKeys(
      db,
      checked.valid.map((v) => v.importKey),
    );
    // A row overlapping a stored approval or an earlier row is refused with a report line (issue 11).
    const overlaps = await findImportOverlaps(
      db,
      checked.valid.filter((v) => !existing.has(v.importKey)),
      state,
    );
    valid += checked.valid.length - overlaps.size;
    invalid += checked.invalid + overlaps.size;
    for (const line of [...checked.report, ...overlaps.values()].sort((x, y) => x.line - y.line)) {
      if (report.length < REPORT_LIMIT) report.push(line);
      else moreErrors++;
    }
    for (const v of checked.valid) {
      if (overlaps.has(v.line) || existing.has(v.importKey)) continue;
      toWrite.add(v.line);
      state.willWrite(v.caseReference);
    }
  }
  if (moreErrors > 0) {
    report.push({ line: 0, field: '', message: `Weitere ${moreErrors} Fehler sind nicht aufgeführt.` });
  }
  return { rows, valid, invalid, report, toWrite, newChildren: state.newChildren };
}

async function processJob(
  db: Db,
  ring: KeyRing,
  jobId: string,
  file: { source: CsvSource; encoding: Encoding },
  options: ImportOptions,
  actor: Actor,
  clock: Clock,
): Promise<ImportJob> {
  const today = berlinDate(clock.now());
  const checked = await checkFile(db, file.source, file.encoding, today);
  const { valid, invalid, toWrite } = checked;

  if (options.mode === 'dry_run') {
    return db.transaction(async (tx) => {
      const [row] = await tx
        .update(importJobs)
        .set({
          status: 'completed',
          processedRows: checked.rows,
          validRows: valid,
          invalidRows: invalid,
          createdBeneficiaries: checked.newChildren,
          createdApprovals: toWrite.size,
          issuedCards: options.issueCards ? checked.newChildren : 0,
          report: checked.report,
          finishedAt: clock.now(),
        })
        .where(eq(importJobs.id, jobId))
        .returning();
      await auditMany(tx, actor, [
        {
          action: 'import.dry_run',
          entityType: 'import_job',
          entityId: jobId,
          data: { totalRows: checked.rows, validRows: valid, invalidRows: invalid },
        },
      ]);
      return toJob(row!);
    });
  }

  // Invalid and already imported rows need no writes: they count as processed at once.
  await db
    .update(importJobs)
    .set({
      validRows: valid,
      invalidRows: invalid,
      processedRows: checked.rows - toWrite.size,
      report: checked.report,
    })
    .where(eq(importJobs.id, jobId));
  // The second pass reads the file again and writes the lines the first pass accepted, chunk by chunk
  // (each rebuilt from its row alone: the accepted lines decide, no state of the file is needed).
  const lookups = await loadLookups(db);
  let pending: ValidRow[] = [];
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  for await (const batch of rowBatches(file.source, file.encoding)) {
    const accepted = batch.filter((r) => toWrite.has(r.line));
    pending.push(...validate(accepted, lookups, today, null).valid);
    while (pending.length >= chunkSize) {
      await writeChunk(db, ring, jobId, pending.slice(0, chunkSize), options, actor);
      pending = pending.slice(chunkSize);
    }
  }
  if (pending.length > 0) await writeChunk(db, ring, jobId, pending, options, actor);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(importJobs)
      .set({ status: 'completed', finishedAt: clock.now() })
      .where(eq(importJobs.id, jobId))
      .returning();
    await auditMany(tx, actor, [
      {
        action: 'import.completed',
        entityType: 'import_job',
        entityId: jobId,
        data: {
          totalRows: row!.totalRows,
          invalidRows: row!.invalidRows,
          createdBeneficiaries: row!.createdBeneficiaries,
          createdApprovals: row!.createdApprovals,
          issuedCards: row!.issuedCards,
        },
      },
    ]);
    return toJob(row!);
  });
}

/**
 * Starts a bulk import (ADR 0009): reads the CSV once to check it (400 `invalid_csv` /
 * `missing_columns` before any job exists), records the job, then validates and, in `import` mode,
 * writes the valid rows in one transaction per chunk. The file is streamed (a `CsvSource`, e.g. the
 * spooled upload; a Buffer or string works too): rows are handled in batches, never all at once.
 * Keyed by `importKey`, so a re-import creates nothing. `completion` settles with the finished job;
 * on an unexpected error the job is marked `failed` (committed chunks stay, a rerun continues
 * idempotently).
 */
export async function startImport(
  db: Db,
  ring: KeyRing,
  file: Buffer | string | CsvSource,
  options: ImportOptions,
  actor: Actor,
  clock: Clock,
): Promise<{ job: ImportJob; completion: Promise<ImportJob> }> {
  const source = typeof file === 'function' ? file : bufferSource(file);
  const encoding = await detectEncoding(source);
  let totalRows = 0;
  for await (const _ of streamCsv(source, encoding)) totalRows++;
  const [jobRow] = await db
    .insert(importJobs)
    .values({
      id: newId('importJob'),
      mode: options.mode,
      fileName: options.fileName ?? null,
      totalRows,
      createdBy: actor.userId,
    })
    .returning();
  const jobId = jobRow!.id;
  const completion = processJob(db, ring, jobId, { source, encoding }, options, actor, clock).catch(async (err) => {
    await db
      .update(importJobs)
      .set({ status: 'failed', finishedAt: clock.now() })
      .where(eq(importJobs.id, jobId))
      .catch(() => {});
    throw err;
  });
  return { job: toJob(jobRow!), completion };
}

/** Runs an import to the end and returns the finished job. */
export async function runImport(
  db: Db,
  ring: KeyRing,
  file: Buffer | string | CsvSource,
  options: ImportOptions,
  actor: Actor,
  clock: Clock,
): Promise<ImportJob> {
  const { completion } = await startImport(db, ring, file, options, actor, clock);
  return completion;
}

export async function getImport(db: DbOrTx, jobId: string): Promise<ImportJob> {
  const [row] = await db.select().from(importJobs).where(eq(importJobs.id, jobId));
  if (!row) throw importNotFound();
  return toJob(row);
}

export async function listImports(db: DbOrTx): Promise<Omit<ImportJob, 'report'>[]> {
  const rows = await db.select().from(importJobs).orderBy(desc(importJobs.createdAt)).limit(50);
  return rows.map((r) => {
    const { report: _report, ...rest } = toJob({ ...r, report: null });
    return rest;
  });
}
