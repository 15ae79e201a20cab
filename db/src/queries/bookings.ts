import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { queryRows } from '../client.ts';
import { LOCK_KEYS } from '../locks.ts';
import { hotStatement, type StatementValues } from '../prepared.ts';
import type { StoredAnswer } from './terminal.ts';

/**
 * The ledger's writes: redemptions, reversals, lapse entries, idempotency keys and the cached balance
 * `approvals.remaining_cents`. Only services/api/src/modules/bookings calls these (ADR 0016).
 */

/** What the caller's rules decided to book (the terminal's `planBooking`). */
export interface BookingPlan {
  approvalId: string;
  cardId: string;
  beneficiaryId: string;
  benefitType: string;
  serviceDate: string;
  amountCents: number;
  meals: number | null;
  minutes: number | null;
  mealSlot: number | null;
  /** What the booking was for, as the provider typed it (≤ 140 characters). */
  purpose: string | null;
}

/** What one booking statement writes. */
export interface BookingInsert extends BookingPlan {
  id: string;
  providerId: string;
  /** Lunch approvals have no budget: the statement checks the approval but moves no balance. */
  debitsBudget: boolean;
  bookedAt: Date;
  bookedBy: string;
  requestId: string | null;
  idempotency: { scope: string; key: string; requestHash: string };
}

/** The values of the booking statement (one per parameter name; timestamps as ISO text). */
interface BookingValues extends StatementValues, Omit<BookingInsert, 'debitsBudget' | 'bookedAt' | 'idempotency'> {
  bookedAt: string;
  scope: string;
  key: string;
  requestHash: string;
}

/** The booking statement of one shape: debiting a budget (guarded UPDATE) or not (lunch: guard SELECT). */
function bookingSql(v: { readonly [K in keyof BookingValues]: SQL }, debitsBudget: boolean): SQL {
  const stillValid = sql`(a.revoked_from is null or a.revoked_from > ${v.serviceDate}::date)
    and exists (select 1 from cards c where c.id = ${v.cardId} and c.status = 'active')
    and exists (select 1 from providers p where p.id = ${v.providerId} and p.status = 'approved')`;
  const guard = debitsBudget
    ? sql`update approvals a set remaining_cents = a.remaining_cents - ${v.amountCents}::int
          where a.id = ${v.approvalId} and a.remaining_cents >= ${v.amountCents}::int and ${stillValid}
          returning a.remaining_cents`
    : sql`select a.remaining_cents from approvals a where a.id = ${v.approvalId} and ${stillValid}`;
  return sql`with g as (${guard}),
    ins as (
      insert into redemptions (id, provider_id, approval_id, beneficiary_id, card_id, benefit_type, service_date,
        amount_cents, meals, minutes, meal_slot, status, booked_at, booked_by, idempotency_key, purpose)
      select ${v.id}::text, ${v.providerId}::text, ${v.approvalId}::text, ${v.beneficiaryId}::text,
        ${v.cardId}::text, ${v.benefitType}::text, ${v.serviceDate}::date, ${v.amountCents}::int,
        ${v.meals}::int, ${v.minutes}::int, ${v.mealSlot}::smallint, 'booked', ${v.bookedAt}::timestamptz,
        ${v.bookedBy}::text, ${v.key}::text, ${v.purpose}::text
      from g
      returning id
    ),
    k as (
      insert into idempotency_keys (scope, key, request_hash, status, response, created_at)
      select ${v.scope}::text, ${v.key}::text, ${v.requestHash}::text, 201,
        jsonb_strip_nulls(jsonb_build_object('id', ${v.id}::text, 'approvalId', ${v.approvalId}::text,
          'amountCents', ${v.amountCents}::int, 'serviceDate', ${v.serviceDate}::text, 'availableCents', g.remaining_cents)),
        ${v.bookedAt}::timestamptz
      from g
    ),
    au as (
      insert into audit_log (actor_id, action, entity_type, entity_id, request_id, data)
      select ${v.bookedBy}::text, 'redemption.booked', 'redemption', ins.id, ${v.requestId}::text,
        jsonb_build_object('approvalId', ${v.approvalId}::text, 'providerId', ${v.providerId}::text,
          'cardId', ${v.cardId}::text, 'benefitType', ${v.benefitType}::text,
          'serviceDate', ${v.serviceDate}::text, 'amountCents', ${v.amountCents}::int)
      from ins
    )
    select g.remaining_cents from g`;
}

const debitingBooking = hotStatement<BookingValues>((v) => bookingSql(v, true));
const nonDebitingBooking = hotStatement<BookingValues>((v) => bookingSql(v, false));

function bookingValues(b: BookingInsert): BookingValues {
  return {
    id: b.id,
    providerId: b.providerId,
    approvalId: b.approvalId,
    beneficiaryId: b.beneficiaryId,
    cardId: b.cardId,
    benefitType: b.benefitType,
    serviceDate: b.serviceDate,
    amountCents: b.amountCents,
    meals: b.meals,
    minutes: b.minutes,
    mealSlot: b.mealSlot,
    bookedAt: b.bookedAt.toISOString(),
    bookedBy: b.bookedBy,
    requestId: b.requestId,
    scope: b.idempotency.scope,
    key: b.idempotency.key,
    requestHash: b.idempotency.requestHash,
    purpose: b.purpose,
  };
}

/**
 * ONE data-modifying statement that books or books nothing (ADR 0010): guarded UPDATE of the
 * balance (`remaining_cents >= amount` and card, approval and provider still valid), the redemption,
 * the idempotency key with its answer, and the audit row. Returns the remaining budget when it
 * booked (null for lunch), or `undefined` when the guard matched nothing. Its text is rendered once
 * per shape (`hotStatement`).
 */
export async function insertBooking(
  db: DbOrTx,
  b: BookingInsert,
): Promise<{ remainingCents: number | null } | undefined> {
  const statement = b.debitsBudget ? debitingBooking : nonDebitingBooking;
  const [row] = await statement.run<{ remaining_cents: number | null }>(db, bookingValues(b));
  return row ? { remainingCents: row.remaining_cents } : undefined;
}

/** The statement of `insertBooking` with its values bound (exported so tools can render or explain it). */
export function bookingStatement(b: BookingInsert): SQL {
  return (b.debitsBudget ? debitingBooking : nonDebitingBooking).sql(bookingValues(b));
}

// --- idempotency keys -----------------------------------------------------------------------

export async function findStoredAnswer(
  db: DbOrTx,
  params: { scope: string; key: string },
): Promise<StoredAnswer | null> {
  const [row] = await queryRows<StoredAnswer>(
    db,
    sql`select request_hash as "requestHash", status, response from idempotency_keys
        where scope = ${params.scope} and key = ${params.key}`,
  );
  return row ?? null;
}

/**
 * Claims a key at the start of a multi-statement write: a concurrent request with the same key waits
 * on this row's unique index and then fails with 23505 (and replays the answer stored at commit).
 */
export async function claimKey(
  tx: DbOrTx,
  params: { scope: string; key: string; requestHash: string; at: Date },
): Promise<void> {
  await tx.execute(
    sql`insert into idempotency_keys (scope, key, request_hash, status, response, created_at)
        values (${params.scope}, ${params.key}, ${params.requestHash}, 0, '{}'::jsonb, ${params.at.toISOString()}::timestamptz)`,
  );
}

export async function storeAnswer(
  tx: DbOrTx,
  params: { scope: string; key: string; status: number; response: unknown },
): Promise<void> {
  await tx.execute(
    sql`update idempotency_keys set status = ${params.status}, response = ${JSON.stringify(params.response)}::jsonb
        where scope = ${params.scope} and key = ${params.key}`,
  );
}

// --- reversals ------------------------------------------------------------------------------

export interface LockedRedemption {
  id: string;
  approvalId: string;
  providerId: string;
  amountCents: number;
  status: 'booked' | 'reversed';
  settled: boolean;
}

/**
 * Locks a redemption for reversal (optionally only one of this provider's); null when there is none.
 * Settled = its settlement line exists, decided under the settlement lock taken shared (see above).
 */
export async function lockRedemption(
  tx: DbOrTx,
  params: { redemptionId: string; providerId: string | null },
): Promise<LockedRedemption | null> {
  // Shared with the settlement run's exclusive lock (ADR 0031): while a run claims, a reversal waits and
  // then sees the run's lines; a reversal in progress makes the run wait, which then sees it reversed.
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${LOCK_KEYS.settlementRun})`);
  const [row] = await queryRows<LockedRedemption>(
    tx,
    sql`select id, approval_id as "approvalId", provider_id as "providerId", amount_cents as "amountCents", status,
          exists (select 1 from settlement_lines l where l.redemption_id = r.id) as settled
        from redemptions r
        where id = ${params.redemptionId} ${params.providerId === null ? sql`` : sql`and provider_id = ${params.providerId}`}
        for update`,
  );
  return row ?? null;
}

export interface ReversalInsert {
  id: string;
  redemption: LockedRedemption;
  kind: 'void' | 'correction';
  reason: string | null;
  at: Date;
  by: string;
}

/**
 * Reverses a locked redemption: the reversal row, the redemption's status, and the amount back to
 * the approval's budget (lunch approvals carry no budget: null stays null), in the caller's transaction.
 */
export async function insertReversal(tx: DbOrTx, v: ReversalInsert): Promise<void> {
  const at = v.at.toISOString();
  const r = v.redemption;
  await tx.execute(
    sql`with rev as (
          insert into redemption_reversals (id, redemption_id, provider_id, amount_cents, kind, reason, reversed_at, reversed_by)
          values (${v.id}, ${r.id}, ${r.providerId}, ${r.amountCents}, ${v.kind}, ${v.reason}, ${at}::timestamptz, ${v.by})
          returning redemption_id
        ), red as (
          update redemptions set status = 'reversed', reversed_at = ${at}::timestamptz
          where id = (select redemption_id from rev)
          returning approval_id, amount_cents
        )
        update approvals a set remaining_cents = a.remaining_cents + red.amount_cents
        from red where a.id = red.approval_id and a.remaining_cents is not null`,
  );
}

// --- budgets --------------------------------------------------------------------------------

/** Opens the balance of new approvals at their budget (remaining = budget; lunch stays null). */
export async function openBudgets(tx: DbOrTx, approvalIds: string[]): Promise<void> {
  if (approvalIds.length === 0) return;
  await tx.execute(
    sql`update approvals set remaining_cents = budget_cents
        where id in (select jsonb_array_elements_text(${JSON.stringify(approvalIds)}::jsonb))
          and remaining_cents is null and budget_cents is not null`,
  );
}

/**
 * Sets a new budget and moves the balance by the same delta, guarded so the balance never drops
 * below zero (that is: the budget never below what is booked), and never on a lapsed approval. Returns false
 * when the guard refused.
 */
export async function changeBudget(
  tx: DbOrTx,
  params: { approvalId: string; budgetCents: number | null },
): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`update approvals set budget_cents = ${params.budgetCents}::int,
          remaining_cents = case when remaining_cents is null then remaining_cents
            else remaining_cents + (${params.budgetCents}::int - budget_cents) end
        where id = ${params.approvalId}
          and (remaining_cents is null or remaining_cents + (${params.budgetCents}::int - budget_cents) >= 0)
          -- a lapsed budget is closed (ADR 0030): it keeps its budget
          and (budget_cents is not distinct from ${params.budgetCents}::int
               or not exists (select 1 from approval_lapses l where l.approval_id = approvals.id and l.kind = 'remainder'))
        returning id`,
  );
  return rows.length > 0;
}

/** Whether the approval's remaining budget has lapsed (it has its remainder entry). */
export async function hasLapsed(db: DbOrTx, approvalId: string): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`select id from approval_lapses where approval_id = ${approvalId} and kind = 'remainder'`,
  );
  return rows.length > 0;
}

// --- settlement claims ----------------------------------------------------------------------

/** What one settlement run claimed for one of its batches. */
export interface SettlementClaim {
  batchId: string;
  totalCents: number;
  lineCount: number;
  periodFrom: string | null;
  periodTo: string | null;
}

interface ClaimRow {
  batch_id: string;
  total: number | string;
  count: number | string;
  period_from: string | null;
  period_to: string | null;
}

const toClaim = (r: ClaimRow): SettlementClaim => ({
  batchId: r.batch_id,
  totalCents: Number(r.total),
  lineCount: Number(r.count),
  periodFrom: r.period_from,
  periodTo: r.period_to,
});

/**
 * The tail of both claim statements, over the `lines` a statement wrote: the lines grouped once by batch,
 * legal basis, cost bearer and benefit type (a few rows per batch); from those groups the batch sums are
 * written (ADR 0037, a data-modifying CTE, which PostgreSQL runs to completion whether or not the main query
 * reads it: lines and sums commit together) and the totals per batch returned.
 */
const claimTail = (kind: 'redemption' | 'correction') =>
  sql`grouped as (
    select batch_id, legal_basis, cost_bearer, benefit_type, count(*) as n, sum(amount_cents) as cents,
           min(service_date) as period_from, max(service_date) as period_to
    from lines group by batch_id, legal_basis, cost_bearer, benefit_type
  ), sums as (
    insert into settlement_batch_sums (batch_id, kind, legal_basis, cost_bearer, benefit_type, line_count, amount_cents)
    select batch_id, ${kind}, legal_basis, cost_bearer, benefit_type, n, cents from grouped
  )
  select batch_id, sum(cents)::bigint as total, sum(n)::int as count,
    min(period_from)::text as period_from, max(period_to)::text as period_to
  from grouped group by batch_id`;

/** A pseudonymous card reference: the last four digits of the (random) card number, never a name. */
const cardRef = sql.raw(`'…' || right(c.card_number, 4)`);

/**
 * Settles into the run's batch of its provider every booked redemption and correction reversal booked
 * before midnight Berlin of `cutoffDate` that has no settlement line yet, in two set-based statements.
 * A redemption is settled when its line exists (ADR 0031): one `INSERT … SELECT` of the lines, nothing
 * written to `redemptions`. Candidates are the rows written by transactions from `fromTxid` on (the
 * run's window, see settlement queries `settlementWindow`); the unique index on
 * `settlement_lines.redemption_id` is both the record and the arbiter: a row that already has its line
 * is skipped (`ON CONFLICT DO NOTHING`), a second line is impossible. Reversals take the settlement lock
 * shared (`lockRedemption`), so none runs while this claims: a concurrent void either committed before
 * (the row is no longer 'booked') or waits and then sees the line (and becomes a correction).
 * Each statement also writes its batch sums (ADR 0037). Returns the claimed totals per batch (redemptions and
 * corrections separately).
 */
export async function claimForSettlement(
  tx: DbOrTx,
  params: { runId: string; cutoffDate: string; fromTxid: number },
): Promise<SettlementClaim[]> {
  const { runId } = params;
  // DST-safe: the instant at which the cutoff date begins in Berlin, computed by PostgreSQL's tz data.
  const cutoffAt = sql`((${params.cutoffDate}::date)::timestamp at time zone 'Europe/Berlin')`;
  const redemptions = await queryRows<ClaimRow>(
    tx,
    sql`with lines as (
          insert into settlement_lines
            (batch_id, kind, redemption_id, card_ref, service_date, booked_at, benefit_type, legal_basis, cost_bearer, amount_cents)
          select b.id, 'redemption', r.id, ${cardRef}, r.service_date, r.booked_at, r.benefit_type,
                 a.legal_basis, a.cost_bearer, r.amount_cents
          from redemptions r
          join settlement_batches b on b.run_id = ${runId} and b.provider_id = r.provider_id
          join approvals a on a.id = r.approval_id
          join cards c on c.id = r.card_id
          where r.status = 'booked' and r.booked_at < ${cutoffAt}
            and r.txid >= ${params.fromTxid}::bigint
          -- Already settled (the window may hold rows an earlier run settled): the unique index says so.
          -- No anti-join: a nested-loop anti-join against the table being written rescans its new pages.
          on conflict (redemption_id) where redemption_id is not null do nothing
          returning batch_id, amount_cents, service_date, legal_basis, cost_bearer, benefit_type
        ), ${claimTail('redemption')}`,
  );
  const corrections = await queryRows<ClaimRow>(
    tx,
    sql`with settled as (
          update redemption_reversals v set batch_id = b.id
          from settlement_batches b
          where b.run_id = ${runId} and b.provider_id = v.provider_id
            and v.kind = 'correction' and v.batch_id is null and v.reversed_at < ${cutoffAt}
          returning v.id, v.batch_id, v.redemption_id, v.amount_cents, v.reversed_at
        ), lines as (
          insert into settlement_lines
            (batch_id, kind, reversal_id, card_ref, service_date, booked_at, benefit_type, legal_basis, cost_bearer, amount_cents)
          select s.batch_id, 'correction', s.id, ${cardRef}, r.service_date, s.reversed_at, r.benefit_type,
                 a.legal_basis, a.cost_bearer, -s.amount_cents
          from settled s
          join redemptions r on r.id = s.redemption_id
          join approvals a on a.id = r.approval_id
          join cards c on c.id = r.card_id
          returning batch_id, amount_cents, service_date, legal_basis, cost_bearer, benefit_type
        ), ${claimTail('correction')}`,
  );
  return [...redemptions, ...corrections].map(toClaim);
}

/**
 * Retention: idempotency keys (with their stored answers) stored before `before` — counted on a dry
 * run, else deleted. A replay of such an old key would book again, which is why the retention period is
 * a setting measured in weeks, far beyond any client's retry.
 */
export async function deleteIdempotencyKeys(db: DbOrTx, params: { before: Date; dryRun: boolean }): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    params.dryRun
      ? sql`select count(*)::int as n from idempotency_keys where created_at < ${params.before}`
      : sql`with d as (delete from idempotency_keys where created_at < ${params.before} returning 1)
            select count(*)::int as n from d`,
  );
  return row?.n ?? 0;
}

// --- lapses ---------------------------------------------------------------------------------

/** A lapse run's start: its row, committed before the first chunk (a crashed run stays unfinished). */
export async function insertLapseRun(
  db: DbOrTx,
  params: { id: string; asOf: string; triggeredBy: string; at: Date },
): Promise<void> {
  await db.execute(
    sql`insert into lapse_runs (id, as_of, started_at, triggered_by)
        values (${params.id}, ${params.asOf}::date, ${params.at.toISOString()}::timestamptz, ${params.triggeredBy})`,
  );
}

export async function finishLapseRun(db: DbOrTx, params: { id: string; at: Date }): Promise<void> {
  await db.execute(
    sql`update lapse_runs set finished_at = ${params.at.toISOString()}::timestamptz where id = ${params.id}`,
  );
}

export interface LapseChunk {
  approvalCount: number;
  lapsedCents: number;
}

/**
 * Lapses up to `limit` due approvals: every approval with a budget left whose period ended on or
 * before `lastValidTo` (the core rule `lapseCutoff`) and that has no remainder lapse gets one lapse
 * entry for its balance, its balance goes to 0, each gets an audit row and the run's totals grow.
 * Two statements: the first locks the due approvals (a booking or reversal in flight commits first);
 * the second, with a snapshot taken after every lock is held, reads each balance as it now is and
 * lapses exactly that. (Reading the balance in the locking statement itself and subtracting it in
 * the same statement took a reversal's returned amount twice on PostgreSQL: the balance check
 * refused the run.) The unique index `approval_lapses_one_remainder` makes a concurrent run lapse
 * nothing twice.
 */
export async function lapseDueChunk(
  tx: DbOrTx,
  params: { runId: string; lastValidTo: string; at: Date; by: string | null; requestId: string | null; limit: number },
): Promise<LapseChunk & { locked: number }> {
  const at = params.at.toISOString();
  const locked = await queryRows<{ id: string }>(
    tx,
    sql`select a.id from approvals a
        where a.remaining_cents > 0 and a.valid_to <= ${params.lastValidTo}::date
          and not exists (select 1 from approval_lapses l where l.approval_id = a.id and l.kind = 'remainder')
        order by a.id
        limit ${params.limit}
        for update of a`,
  );
  if (locked.length === 0) return { approvalCount: 0, lapsedCents: 0, locked: 0 };
  const ids = JSON.stringify(locked.map((r) => r.id));
  const [row] = await queryRows<{ n: number; cents: string | number }>(
    tx,
    sql`with due as (
          select a.id, a.remaining_cents from approvals a
          where a.id in (select jsonb_array_elements_text(${ids}::jsonb)) and a.remaining_cents > 0
            and not exists (select 1 from approval_lapses l where l.approval_id = a.id and l.kind = 'remainder')
        ), ins as (
          insert into approval_lapses (approval_id, kind, run_id, amount_cents, lapsed_at, lapsed_by)
          select id, 'remainder', ${params.runId}, remaining_cents, ${at}::timestamptz, ${params.by}
          from due where remaining_cents > 0
          on conflict do nothing
          returning approval_id, amount_cents
        ), upd as (
          update approvals a set remaining_cents = a.remaining_cents - ins.amount_cents
          from ins where a.id = ins.approval_id
          returning a.id
        ), au as (
          insert into audit_log (at, actor_id, action, entity_type, entity_id, request_id, data)
          select ${at}::timestamptz, ${params.by}, 'approval.lapsed', 'approval', ins.approval_id, ${params.requestId},
                 jsonb_build_object('runId', ${params.runId}::text, 'amountCents', ins.amount_cents)
          from ins
        ), run as (
          update lapse_runs set approval_count = approval_count + (select count(*) from ins),
                 lapsed_cents = lapsed_cents + (select coalesce(sum(amount_cents), 0) from ins)
          where id = ${params.runId}
        )
        select (select count(*) from upd)::int as n, coalesce(sum(amount_cents), 0)::bigint as cents from ins`,
  );
  return { approvalCount: row?.n ?? 0, lapsedCents: Number(row?.cents ?? 0), locked: locked.length };
}

export async function readLapseRun(db: DbOrTx, runId: string): Promise<LapseChunk | null> {
  const [row] = await queryRows<{ approval_count: number; lapsed_cents: string | number }>(
    db,
    sql`select approval_count, lapsed_cents from lapse_runs where id = ${runId}`,
  );
  return row ? { approvalCount: row.approval_count, lapsedCents: Number(row.lapsed_cents) } : null;
}

/**
 * After a reversal (same transaction, after `insertReversal`): when the approval has already lapsed,
 * the amount that came back lapses too, as a further entry keyed by the reversal, and the balance
 * returns to 0. Returns the cents lapsed (0 when the approval has not lapsed).
 */
export async function lapseReversal(
  tx: DbOrTx,
  params: {
    reversalId: string;
    approvalId: string;
    amountCents: number;
    at: Date;
    by: string | null;
    requestId: string | null;
  },
): Promise<number> {
  const at = params.at.toISOString();
  const [row] = await queryRows<{ cents: string | number }>(
    tx,
    sql`with lapsed as (
          select a.id from approvals a
          where a.id = ${params.approvalId} and a.remaining_cents >= ${params.amountCents}::int
            and exists (select 1 from approval_lapses l where l.approval_id = a.id and l.kind = 'remainder')
        ), ins as (
          insert into approval_lapses (approval_id, kind, reversal_id, amount_cents, lapsed_at, lapsed_by)
          select id, 'reversal', ${params.reversalId}, ${params.amountCents}::int, ${at}::timestamptz, ${params.by}
          from lapsed
          returning approval_id, amount_cents
        ), upd as (
          update approvals a set remaining_cents = a.remaining_cents - ins.amount_cents
          from ins where a.id = ins.approval_id
        ), au as (
          insert into audit_log (at, actor_id, action, entity_type, entity_id, request_id, data)
          select ${at}::timestamptz, ${params.by}, 'approval.lapsed', 'approval', ins.approval_id, ${params.requestId},
                 jsonb_build_object('reversalId', ${params.reversalId}::text, 'amountCents', ins.amount_cents)
          from ins
        )
        select coalesce(sum(amount_cents), 0)::bigint as cents from ins`,
  );
  return Number(row?.cents ?? 0);
}
