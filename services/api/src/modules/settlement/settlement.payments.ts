import {
  addDays,
  berlinDate,
  type CivilDate,
  type Clock,
  formatDecimalComma,
  formatGermanDate,
  newId,
  toSepaText,
} from '@tk/core';
import { citySettings, type Db, type DbOrTx, paymentFiles, providers, queryRows, settlementBatches } from '@tk/db';
import { asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { Document as SepaDocument } from 'sepa';
import { type Actor, audit } from '../../lib/audit.ts';
import { toCsv } from '../../lib/csv.ts';
import { assertReturnedBatchPayable } from './settlement.bank-statements.ts';
import {
  BatchNotFound,
  ExecutionDateInvalid,
  InvalidBatchState,
  NothingToPay,
  PaymentFileNotFound,
  ProviderNotPayable,
} from './settlement.errors.ts';
import type { PaymentFile } from './settlement.schemas.ts';
import { markPaidInTransaction } from './settlement.service.ts';

export const PAIN_FORMAT = 'pain.001.001.09';

/** Easter Sunday (Gregorian, anonymous algorithm), for the TARGET2 holidays Good Friday and Easter Monday. */
function easterSunday(year: number): CivilDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A SEPA business day: not a weekend and not a TARGET2 holiday. */
export function isBusinessDay(date: CivilDate): boolean {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  const monthDay = date.slice(5);
  if (['01-01', '05-01', '12-25', '12-26'].includes(monthDay)) return false;
  const easter = easterSunday(Number(date.slice(0, 4)));
  return date !== addDays(easter, -2) && date !== addDays(easter, 1);
}

export function nextBusinessDay(after: CivilDate): CivilDate {
  let date = addDays(after, 1);
  while (!isBusinessDay(date)) date = addDays(date, 1);
  return date;
}

/** sepa's internal XML node (not exported by the library); used to add the structured address. */
interface SepaNode {
  _name: string;
  _children: SepaNode[];
  appendChild(child: SepaNode): void;
  textContent: string;
}

interface CreditorAddress {
  street: string | null;
  postalCode: string | null;
  town: string;
  country: string;
}

/**
 * sepa@3 writes creditor addresses only as unstructured `AdrLine`s; since November 2025 banks expect
 * structured addresses (ISO 20022 PostalAddress24: StrtNm, PstCd, TwnNm, Ctry). We add them to the
 * library's own node tree (it escapes and serialises), in schema order right after `Nm`.
 */
function withStructuredAddress(transaction: object, address: CreditorAddress): void {
  const target = transaction as { _toXml: () => SepaNode };
  const original = target._toXml.bind(transaction);
  target._toXml = () => {
    const node = original();
    const creditor = node._children.find((c) => c._name === 'Cdtr');
    if (!creditor) return node;
    const Node = creditor.constructor as new (name: string, text?: string) => SepaNode;
    const postal = new Node('PstlAdr');
    if (address.street) postal.appendChild(new Node('StrtNm', sepaText(address.street, 70)));
    if (address.postalCode) postal.appendChild(new Node('PstCd', sepaText(address.postalCode, 16)));
    postal.appendChild(new Node('TwnNm', sepaText(address.town, 35)));
    postal.appendChild(new Node('Ctry', address.country));
    const nameIndex = creditor._children.findIndex((c) => c._name === 'Nm');
    creditor._children.splice(nameIndex + 1, 0, postal);
    return node;
  };
}

/**
 * Text fields in the SEPA character set, transliterated when the file is written (the database and the UI
 * keep the original): no provider's name or address can make a payment file fail.
 */
const sepaText = (value: string, max: number) => toSepaText(value, max) || '-';

/** A calendar date as a Date whose local calendar date is `date` (sepa formats with local time). */
const localDate = (date: CivilDate) =>
  new Date(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), 12);

export interface SepaTransfer {
  endToEndId: string;
  amountCents: number;
  creditorName: string;
  iban: string;
  bic: string | null;
  address: CreditorAddress;
  remittance: string;
}

/** Builds a pain.001.001.09 credit transfer message: one payment information block, one transfer per batch. */
export function buildSepaXml(input: {
  messageId: string;
  createdAt: Date;
  executionDate: CivilDate;
  debtor: { name: string; iban: string; bic: string | null };
  transfers: SepaTransfer[];
}): string {
  const doc = new SepaDocument(PAIN_FORMAT);
  doc.grpHdr.id = input.messageId;
  doc.grpHdr.created = input.createdAt;
  doc.grpHdr.initiatorName = sepaText(input.debtor.name, 70);
  const info = doc.createPaymentInfo();
  info.requestedExecutionDate = localDate(input.executionDate);
  info.debtorName = sepaText(input.debtor.name, 70);
  info.debtorIBAN = input.debtor.iban;
  info.debtorBIC = input.debtor.bic ?? '';
  info.batchBooking = false;
  doc.addPaymentInfo(info);
  for (const t of input.transfers) {
    const tx = info.createTransaction();
    tx.creditorName = sepaText(t.creditorName, 70);
    tx.creditorIBAN = t.iban;
    tx.creditorBIC = t.bic ?? '';
    tx.amount = t.amountCents / 100;
    tx.end2endId = t.endToEndId;
    tx.remittanceInfo = sepaText(t.remittance, 140);
    withStructuredAddress(tx, t.address);
    info.addTransaction(tx);
  }
  return doc.toString();
}

const remittanceText = (number: string, cityName: string) => `Gutschrift ${number} Teilhabekarte ${cityName}`;

function toPaymentFile(
  row: Omit<typeof paymentFiles.$inferSelect, 'xml'>,
  batches: { id: string; status: string }[],
): PaymentFile {
  const paid = batches.filter((b) => b.status === 'paid').length;
  return {
    id: row.id,
    messageId: row.messageId,
    executionDate: row.executionDate,
    batchCount: row.batchCount,
    totalCents: Number(row.totalCents),
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    batchIds: batches.map((b) => b.id),
    status: paid === 0 ? 'exported' : paid === batches.length ? 'paid' : 'partly_paid',
  };
}

/**
 * Creates a SEPA payment file (pain.001.001.09) from released batches: one credit transfer per batch,
 * EndToEndId = batch number, remittance text with the statement number, structured creditor address.
 * The batches are locked FOR UPDATE and checked in the same transaction, so a batch is never in two
 * files. Batches become `exported`. Throws 404 `batch_not_found`, 409 `invalid_batch_state`,
 * 409 `provider_not_payable`, 409 `nothing_to_pay`, 422 `execution_date_invalid`.
 */
export async function createPaymentFile(
  db: Db,
  input: { batchIds: string[]; executionDate?: CivilDate | undefined },
  actor: Actor,
  clock: Clock,
): Promise<PaymentFile> {
  const now = clock.now();
  const today = berlinDate(now);
  const executionDate = input.executionDate ?? nextBusinessDay(today);
  if (executionDate < today || !isBusinessDay(executionDate)) throw new ExecutionDateInvalid(today);
  const ids = [...new Set(input.batchIds)].sort();
  return db.transaction(async (tx) => {
    // Sorted ids: two files started at once lock in the same order (no deadlock); the second waits,
    // then sees `exported` and gets 409.
    const batches = await tx
      .select()
      .from(settlementBatches)
      .where(inArray(settlementBatches.id, ids))
      .orderBy(asc(settlementBatches.id))
      .for('update');
    if (batches.length !== ids.length) throw new BatchNotFound();
    const providerRows = await tx
      .select()
      .from(providers)
      .where(
        inArray(
          providers.id,
          batches.map((b) => b.providerId),
        ),
      );
    const byId = new Map(providerRows.map((p) => [p.id, p]));
    for (const b of batches) {
      // A transfer the bank returned is paid again once the provider's bank data is corrected.
      if (b.status === 'returned') assertReturnedBatchPayable(b, byId.get(b.providerId)!, actor);
      else if (b.status !== 'released') throw new InvalidBatchState(b.number, b.status, 'released');
      if (Number(b.totalCents) <= 0) throw new NothingToPay(b.number);
    }
    for (const p of providerRows) if (p.status !== 'approved') throw new ProviderNotPayable(p.status);
    const [settings] = await tx.select().from(citySettings).where(eq(citySettings.id, 1));
    if (!settings) throw new Error('city_settings row missing');

    const year = today.slice(0, 4);
    const [counter] = await queryRows<{ value: number }>(
      tx,
      sql`insert into counters (name, value) values (${`payment_file:${year}`}, 1)
          on conflict (name) do update set value = counters.value + 1 returning value`,
    );
    const messageId = `ZL-${year}-${String(counter!.value).padStart(6, '0')}`;
    const ordered = [...batches].sort((a, b) => a.number.localeCompare(b.number));
    const xml = buildSepaXml({
      messageId,
      createdAt: now,
      executionDate,
      debtor: { name: settings.debtorName, iban: settings.debtorIban, bic: settings.debtorBic },
      transfers: ordered.map((b) => {
        const p = byId.get(b.providerId)!;
        return {
          endToEndId: b.number,
          amountCents: Number(b.totalCents),
          creditorName: p.accountHolder,
          iban: p.iban,
          bic: p.bic,
          address: { street: p.street, postalCode: p.postalCode, town: p.town, country: p.country },
          remittance: remittanceText(b.number, settings.cityName),
        };
      }),
    });
    const totalCents = batches.reduce((sum, b) => sum + Number(b.totalCents), 0);
    const id = newId('paymentFile');
    const [row] = await tx
      .insert(paymentFiles)
      .values({
        id,
        messageId,
        executionDate,
        batchCount: batches.length,
        totalCents,
        xml,
        createdAt: now,
        createdBy: actor.userId ?? 'system',
      })
      .returning();
    await tx
      .update(settlementBatches)
      .set({ status: 'exported', paymentFileId: id, returnReason: null, returnedAt: null })
      .where(inArray(settlementBatches.id, ids));
    await audit(tx, actor, {
      action: 'settlement.payment_file_created',
      entityType: 'payment_file',
      entityId: id,
      data: { messageId, executionDate, batchCount: batches.length, totalCents, batchIds: ids },
    });
    const { xml: _xml, ...meta } = row!;
    return toPaymentFile(
      meta,
      ordered.map((b) => ({ id: b.id, status: 'exported' })),
    );
  });
}

const fileColumns = {
  id: paymentFiles.id,
  messageId: paymentFiles.messageId,
  executionDate: paymentFiles.executionDate,
  batchCount: paymentFiles.batchCount,
  totalCents: paymentFiles.totalCents,
  createdAt: paymentFiles.createdAt,
  createdBy: paymentFiles.createdBy,
};

async function batchesOfFiles(db: DbOrTx, fileIds: string[]) {
  if (fileIds.length === 0) return new Map<string, { id: string; status: string }[]>();
  const rows = await db
    .select({ id: settlementBatches.id, status: settlementBatches.status, fileId: settlementBatches.paymentFileId })
    .from(settlementBatches)
    .where(inArray(settlementBatches.paymentFileId, fileIds))
    .orderBy(asc(settlementBatches.number));
  const map = new Map<string, { id: string; status: string }[]>();
  for (const r of rows) {
    const list = map.get(r.fileId!) ?? [];
    list.push({ id: r.id, status: r.status });
    map.set(r.fileId!, list);
  }
  return map;
}

export async function listPaymentFiles(db: DbOrTx, limit = 100): Promise<PaymentFile[]> {
  const rows = await db.select(fileColumns).from(paymentFiles).orderBy(desc(paymentFiles.createdAt)).limit(limit);
  const batches = await batchesOfFiles(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toPaymentFile(r, batches.get(r.id) ?? []));
}

export async function getPaymentFile(db: DbOrTx, id: string): Promise<PaymentFile> {
  const [row] = await db.select(fileColumns).from(paymentFiles).where(eq(paymentFiles.id, id));
  if (!row) throw new PaymentFileNotFound();
  const batches = await batchesOfFiles(db, [id]);
  return toPaymentFile(row, batches.get(id) ?? []);
}

/** The stored pain.001 XML, byte for byte as it was exported. Throws 404 `payment_file_not_found`. */
export async function getPaymentFileXml(db: DbOrTx, id: string): Promise<{ messageId: string; xml: string }> {
  const [row] = await db
    .select({ messageId: paymentFiles.messageId, xml: paymentFiles.xml })
    .from(paymentFiles)
    .where(eq(paymentFiles.id, id));
  if (!row) throw new PaymentFileNotFound();
  return row;
}

/** Marks every still exported batch of a payment file as paid. Throws 404 `payment_file_not_found`. */
export async function markPaymentFilePaid(db: Db, id: string, actor: Actor, clock: Clock): Promise<PaymentFile> {
  await db.transaction(async (tx) => {
    const [file] = await tx.select({ id: paymentFiles.id }).from(paymentFiles).where(eq(paymentFiles.id, id));
    if (!file) throw new PaymentFileNotFound();
    const batches = await tx
      .select()
      .from(settlementBatches)
      .where(eq(settlementBatches.paymentFileId, id))
      .orderBy(asc(settlementBatches.id))
      .for('update');
    await markPaidInTransaction(
      tx,
      batches.filter((b) => b.status === 'exported'),
      actor,
      clock,
    );
  });
  return getPaymentFile(db, id);
}

/**
 * Settlement lines of the selected batches with carry-forward lines expanded into the lines of the
 * batches they carry (recursively), so every amount keeps its legal basis, cost bearer and benefit type.
 * Columns: batch_id, legal_basis, cost_bearer, benefit_type, amount_cents, service_date.
 */
export function effectiveLines(batchFilter: SQL): SQL {
  return sql`with recursive eff (batch_id, kind, carried_from_batch_id, legal_basis, cost_bearer, benefit_type, amount_cents, service_date) as (
      select l.batch_id, l.kind, l.carried_from_batch_id, l.legal_basis, l.cost_bearer, l.benefit_type, l.amount_cents, l.service_date
      from settlement_lines l join settlement_batches b on b.id = l.batch_id
      where ${batchFilter}
      union all
      select e.batch_id, l.kind, l.carried_from_batch_id, l.legal_basis, l.cost_bearer, l.benefit_type, l.amount_cents, l.service_date
      from eff e join settlement_lines l on l.batch_id = e.carried_from_batch_id
      where e.kind = 'carry_forward'
    ), lines as (
      select batch_id, legal_basis, cost_bearer, benefit_type, amount_cents, service_date from eff where kind <> 'carry_forward'
    )`;
}

export interface BookingRow {
  batch_number: string;
  provider_id: string;
  provider_name: string;
  legal_basis: string;
  cost_bearer: string | null;
  benefit_type: string;
  cost_centre: string | null;
  account: string | null;
  period_from: string | null;
  period_to: string | null;
  amount_cents: number;
}

/** Booking list rows: batch × legal basis × cost bearer × benefit type, with the mapped cost centre and account. */
export async function bookingRows(db: DbOrTx, paymentFileId: string): Promise<BookingRow[]> {
  return queryRows<BookingRow>(
    db,
    sql`${effectiveLines(sql`b.payment_file_id = ${paymentFileId}`)},
    grouped as (
      select batch_id, legal_basis, cost_bearer, benefit_type, sum(amount_cents)::bigint as amount_cents,
             min(service_date)::text as period_from, max(service_date)::text as period_to
      from lines group by batch_id, legal_basis, cost_bearer, benefit_type
    )
    select b.number as batch_number, p.id as provider_id, p.name as provider_name, g.legal_basis, g.cost_bearer,
           g.benefit_type, ba.cost_centre, ba.account, g.period_from, g.period_to, g.amount_cents
    from grouped g
    join settlement_batches b on b.id = g.batch_id
    join providers p on p.id = b.provider_id
    left join lateral (
      select cost_centre, account from booking_accounts m
      where m.legal_basis = g.legal_basis
        and (m.cost_bearer = coalesce(g.cost_bearer, '*') or m.cost_bearer = '*')
        and (m.benefit_type = g.benefit_type or m.benefit_type = '*')
      order by (m.cost_bearer = '*'), (m.benefit_type = '*')
      limit 1
    ) ba on true
    order by b.number, g.legal_basis, g.cost_bearer nulls first, g.benefit_type`,
  );
}

/** `1234` → `12,34` (decimal comma, no grouping: what finance software imports). */
export const decimalComma = (cents: number) => formatDecimalComma(cents, { grouping: false });

export const BOOKING_COLUMNS = [
  'Zahllauf',
  'Ausführungsdatum',
  'Abrechnung',
  'Anbieter-ID',
  'Anbieter',
  'Rechtskreis',
  'Kostenträger',
  'Leistungsart',
  'Kostenstelle',
  'Sachkonto',
  'Zeitraum von',
  'Zeitraum bis',
  'Betrag',
] as const;

/**
 * The booking list of a payment file for the city's finance software (CSV): one row per batch ×
 * legal basis × cost bearer × benefit type. German Excel defaults: `;`, UTF-8 BOM, decimal comma,
 * TT.MM.JJJJ. The row amounts add up to the payment file's total. Throws 404 `payment_file_not_found`.
 */
export async function paymentFileBookingsCsv(
  db: DbOrTx,
  id: string,
  options: { delimiter: string; bom: boolean },
): Promise<{ messageId: string; csv: string }> {
  const [file] = await db
    .select({ messageId: paymentFiles.messageId, executionDate: paymentFiles.executionDate })
    .from(paymentFiles)
    .where(eq(paymentFiles.id, id));
  if (!file) throw new PaymentFileNotFound();
  const rows = await bookingRows(db, id);
  const records = rows.map((r) => [
    file.messageId,
    formatGermanDate(file.executionDate),
    r.batch_number,
    r.provider_id,
    r.provider_name,
    r.legal_basis,
    r.cost_bearer ?? '',
    r.benefit_type,
    r.cost_centre ?? '',
    r.account ?? '',
    r.period_from ? formatGermanDate(r.period_from) : '',
    r.period_to ? formatGermanDate(r.period_to) : '',
    decimalComma(Number(r.amount_cents)),
  ]);
  const csv = toCsv(BOOKING_COLUMNS, records, {
    delimiter: options.delimiter === 'tab' ? '\t' : options.delimiter,
    bom: options.bom,
  });
  return { messageId: file.messageId, csv };
}
