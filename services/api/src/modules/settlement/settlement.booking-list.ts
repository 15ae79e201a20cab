import {
  benefitTypeName,
  type Clock,
  formatDecimalComma,
  formatGermanDate,
  LEGAL_BASIS_NAMES,
  type LegalBasis,
} from '@tk/core';
import {
  bookingAccounts,
  bookingListConfigs,
  costBearers,
  type Db,
  type DbOrTx,
  paymentFiles,
  queryRows,
  readTogether,
  users,
} from '@tk/db';
import { type BookingRow, bookingRows } from '@tk/db/queries/settlement';
import { asc, desc, eq, sql } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { toCsv } from '../../lib/csv.ts';
import { ValidationFailed } from '../../lib/problems.ts';
import { PaymentFileNotFound } from './settlement.errors.ts';
import type { BookingListConfig, SaveBookingListConfigInput } from './settlement.schemas.ts';

/** The booking list (Buchungsliste) of a payment file for the city's finance software, split by legal basis and cost bearer. */

/** `1234` → `12,34` (decimal comma, no grouping: what finance software imports). */
export const decimalComma = (cents: number) => formatDecimalComma(cents, { grouping: false });

interface CellContext {
  messageId: string;
  executionDate: string;
  codes: boolean;
}

/**
 * The columns a booking list can have, in the built-in order, with their default German header and
 * how a row fills the cell. Names by default (`SGB II`, `Mittagessen`, the cost bearer's name), the
 * codes with `codes` (for software that maps codes itself).
 */
export const BOOKING_LIST_FIELDS = {
  paymentRun: { header: 'Zahllauf', cell: (_r: BookingRow, c: CellContext) => c.messageId },
  executionDate: {
    header: 'Ausführungsdatum',
    cell: (_r: BookingRow, c: CellContext) => formatGermanDate(c.executionDate),
  },
  batchNumber: { header: 'Abrechnung', cell: (r: BookingRow) => r.batch_number },
  providerId: { header: 'Anbieter-ID', cell: (r: BookingRow) => r.provider_id },
  providerName: { header: 'Anbieter', cell: (r: BookingRow) => r.provider_name },
  legalBasis: {
    header: 'Rechtskreis',
    cell: (r: BookingRow, c: CellContext) =>
      c.codes ? r.legal_basis : (LEGAL_BASIS_NAMES[r.legal_basis as LegalBasis]?.name ?? r.legal_basis),
  },
  legalBasisCode: { header: 'Rechtskreis-Code', cell: (r: BookingRow) => r.legal_basis },
  costBearer: {
    header: 'Kostenträger',
    cell: (r: BookingRow, c: CellContext) => (c.codes ? r.cost_bearer : (r.cost_bearer_name ?? r.cost_bearer)) ?? '',
  },
  costBearerCode: { header: 'Kostenträger-Code', cell: (r: BookingRow) => r.cost_bearer ?? '' },
  benefitType: {
    header: 'Leistungsart',
    cell: (r: BookingRow, c: CellContext) => (c.codes ? r.benefit_type : benefitTypeName(r.benefit_type)),
  },
  benefitTypeCode: { header: 'Leistungsart-Code', cell: (r: BookingRow) => r.benefit_type },
  costCentre: { header: 'Kostenstelle', cell: (r: BookingRow) => r.cost_centre ?? '' },
  account: { header: 'Sachkonto', cell: (r: BookingRow) => r.account ?? '' },
  periodFrom: {
    header: 'Zeitraum von',
    cell: (r: BookingRow) => (r.period_from ? formatGermanDate(r.period_from) : ''),
  },
  periodTo: { header: 'Zeitraum bis', cell: (r: BookingRow) => (r.period_to ? formatGermanDate(r.period_to) : '') },
  amount: { header: 'Betrag', cell: (r: BookingRow) => decimalComma(Number(r.amount_cents)) },
} as const satisfies Record<string, { header: string; cell: (r: BookingRow, c: CellContext) => string }>;

export type BookingListField = keyof typeof BOOKING_LIST_FIELDS;
export const BOOKING_LIST_FIELD_KEYS = Object.keys(BOOKING_LIST_FIELDS) as [BookingListField, ...BookingListField[]];

/** The built-in layout (version 0): every field except the extra code columns, in the order above. */
const DEFAULT_COLUMNS = BOOKING_LIST_FIELD_KEYS.filter((k) => !k.endsWith('Code')).map((key) => ({
  key,
  header: BOOKING_LIST_FIELDS[key].header,
}));

/** The layout in force: the newest saved version, else the built-in one, with the live account mapping. */
export async function getBookingListConfig(db: DbOrTx): Promise<BookingListConfig> {
  const [latest] = await db
    .select({ config: bookingListConfigs, createdByName: users.username })
    .from(bookingListConfigs)
    .leftJoin(users, eq(users.id, bookingListConfigs.createdBy))
    .orderBy(desc(bookingListConfigs.version))
    .limit(1);
  const accounts = await db
    .select({
      legalBasis: bookingAccounts.legalBasis,
      costBearer: bookingAccounts.costBearer,
      benefitType: bookingAccounts.benefitType,
      costCentre: bookingAccounts.costCentre,
      account: bookingAccounts.account,
    })
    .from(bookingAccounts)
    .orderBy(asc(bookingAccounts.legalBasis), asc(bookingAccounts.costBearer), asc(bookingAccounts.benefitType));
  return {
    version: latest?.config.version ?? 0,
    columns: (latest?.config.columns as BookingListConfig['columns'] | undefined) ?? DEFAULT_COLUMNS,
    accounts: accounts as BookingListConfig['accounts'],
    savedAt: latest ? latest.config.createdAt.toISOString() : null,
    savedBy: latest?.config.createdBy ?? null,
    savedByName: latest?.createdByName ?? null,
    fields: BOOKING_LIST_FIELD_KEYS.map((key) => ({ key, defaultHeader: BOOKING_LIST_FIELDS[key].header })),
  };
}

/**
 * Saves a new version of the booking list layout (columns, order, headers) and replaces the account
 * mapping (cost centre and account per legal basis × cost bearer × benefit type, `*` for any), in one
 * transaction, audited with the previous and the new layout. Every later file uses it.
 * Throws 400 `validation_failed` for an unknown cost bearer (the schema refuses unknown columns,
 * duplicate columns and duplicate mapping rows).
 */
export async function saveBookingListConfig(
  db: Db,
  input: SaveBookingListConfigInput,
  actor: Actor,
  clock: Clock,
): Promise<BookingListConfig> {
  const known = new Set((await db.select({ code: costBearers.code }).from(costBearers)).map((r) => r.code));
  const unknown = input.accounts.flatMap((a, i) =>
    a.costBearer !== '*' && !known.has(a.costBearer)
      ? [{ pointer: `/accounts/${i}/costBearer`, detail: `unknown cost bearer ${a.costBearer}` }]
      : [],
  );
  if (unknown.length > 0) throw new ValidationFailed(unknown);
  const columns = input.columns.map((c) => ({ key: c.key, header: c.header ?? BOOKING_LIST_FIELDS[c.key].header }));
  await db.transaction(async (tx) => {
    // One saver at a time: versions stay gapless and the mapping is replaced as a whole.
    await tx.execute(sql`lock table booking_list_configs in exclusive mode`);
    const before = await getBookingListConfig(tx);
    const [next] = await queryRows<{ version: number }>(
      tx,
      sql`select coalesce(max(version), 0) + 1 as version from booking_list_configs`,
    );
    const version = Number(next!.version);
    await tx.delete(bookingAccounts);
    if (input.accounts.length > 0) await tx.insert(bookingAccounts).values(input.accounts);
    await tx.insert(bookingListConfigs).values({
      version,
      columns,
      accounts: input.accounts,
      createdAt: clock.now(),
      createdBy: actor.userId ?? 'system',
    });
    await audit(tx, actor, {
      action: 'settlement.booking_list_config_saved',
      entityType: 'booking_list_config',
      entityId: String(version),
      data: {
        version,
        columns,
        accounts: input.accounts,
        previous: { version: before.version, columns: before.columns, accounts: before.accounts },
      },
    });
  });
  return getBookingListConfig(db);
}

/**
 * The booking list of a payment file for the city's finance software (CSV): one row per batch ×
 * legal basis × cost bearer × benefit type, in the layout in force. German Excel defaults: `;`,
 * UTF-8 BOM, decimal comma, TT.MM.JJJJ, German names (`codes`: the codes). The row amounts add up to
 * the payment file's total. Throws 404 `payment_file_not_found`.
 */
export async function paymentFileBookingsCsv(
  db: DbOrTx,
  id: string,
  options: { delimiter: string; bom: boolean; codes?: boolean | undefined },
): Promise<{ messageId: string; csv: string }> {
  const [file] = await db
    .select({ messageId: paymentFiles.messageId, executionDate: paymentFiles.executionDate })
    .from(paymentFiles)
    .where(eq(paymentFiles.id, id));
  if (!file) throw new PaymentFileNotFound();
  const [rows, config] = await readTogether(db, [() => bookingRows(db, id), () => getBookingListConfig(db)]);
  const context: CellContext = { ...file, codes: options.codes ?? false };
  const fields = config.columns.map((c) => BOOKING_LIST_FIELDS[c.key as BookingListField]);
  const records = rows.map((r) => fields.map((f) => f.cell(r, context)));
  const csv = toCsv(
    config.columns.map((c) => c.header),
    records,
    { delimiter: options.delimiter === 'tab' ? '\t' : options.delimiter, bom: options.bom },
  );
  return { messageId: file.messageId, csv };
}
