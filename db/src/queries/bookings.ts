import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { queryRows } from '../client.ts';
import { LOCK_KEYS } from '../locks.ts';
import { runPrepared } from '../prepared.ts';
import type { StoredAnswer } from './terminal.ts';

/**
 * The ledger's writes: redemptions, reversals, idempotency keys and the cached balance
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

/**
 * ONE data-modifying statement that books or books nothing (ADR 0010): guarded UPDATE of the
 * balance (`remaining_cents >= amount` and card, approval and provider still valid), the redemption,
 * the idempotency key with its answer, and the audit row. Returns the remaining budget when it
 * booked (null for lunch), or `undefined` when the guard matched nothing.
 */
export async function insertBooking(
  db: DbOrTx,
  b: BookingInsert,
): Promise<{ remainingCents: number | null } | undefined> {
  const [row] = await runPrepared<{ remaining_cents: number | null }>(db, bookingStatement(b));
  return row ? { remainingCents: row.remaining_cents } : undefined;
}

/** The statement of `insertBooking` (the redeem benchmark renders it for pgbench). */
export function bookingStatement(b: BookingInsert): SQL {
  const bookedAt = b.bookedAt.toISOString();
  const stillValid = sql`(a.revoked_from is null or a.revoked_from > ${b.serviceDate}::date)
    and exists (select 1 from cards c where c.id = ${b.cardId} and c.status = 'active')
    and exists (select 1 from providers p where p.id = ${b.providerId} and p.status = 'approved')`;
  const guard = b.debitsBudget
    ? sql`update approvals a set remaining_cents = a.remaining_cents - ${b.amountCents}::int
          where a.id = ${b.approvalId} and a.remaining_cents >= ${b.amountCents}::int and ${stillValid}
          returning a.remaining_cents`
    : sql`select a.remaining_cents from approvals a where a.id = ${b.approvalId} and ${stillValid}`;
  return sql`with g as (${guard}),
    ins as (
      insert into redemptions (id, provider_id, approval_id, beneficiary_id, card_id, benefit_type, service_date,
        amount_cents, meals, minutes, meal_slot, status, booked_at, booked_by, idempotency_key, purpose)
      select ${b.id}::text, ${b.providerId}::text, ${b.approvalId}::text, ${b.beneficiaryId}::text,
        ${b.cardId}::text, ${b.benefitType}::text, ${b.serviceDate}::date, ${b.amountCents}::int,
        ${b.meals}::int, ${b.minutes}::int, ${b.mealSlot}::smallint, 'booked', ${bookedAt}::timestamptz,
        ${b.bookedBy}::text, ${b.idempotency.key}::text, ${b.purpose}::text
      from g
      returning id
    ),
    k as (
      insert into idempotency_keys (scope, key, request_hash, status, response, created_at)
      select ${b.idempotency.scope}::text, ${b.idempotency.key}::text, ${b.idempotency.requestHash}::text, 201,
        jsonb_strip_nulls(jsonb_build_object('id', ${b.id}::text, 'approvalId', ${b.approvalId}::text,
          'amountCents', ${b.amountCents}::int, 'serviceDate', ${b.serviceDate}::text, 'availableCents', g.remaining_cents)),
        ${bookedAt}::timestamptz
      from g
    ),
    au as (
      insert into audit_log (actor_id, action, entity_type, entity_id, request_id, data)
      select ${b.bookedBy}::text, 'redemption.booked', 'redemption', ins.id, ${b.requestId}::text,
        jsonb_build_object('approvalId', ${b.approvalId}::text, 'providerId', ${b.providerId}::text,
          'cardId', ${b.cardId}::text, 'benefitType', ${b.benefitType}::text,
          'serviceDate', ${b.serviceDate}::text, 'amountCents', ${b.amountCents}::int)
      from ins
    )
    select g.remaining_cents from g`;
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
  // Shared with the settlement run's exclusive lock (ADR 0027): while a run claims, a reversal waits and
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
 * below zero (that is: the budget never below what is booked). Returns false when the guard refused.
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
        returning id`,
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

/** The claimed lines' totals per batch (the tail of both claim statements). */
const perBatch = sql`select batch_id, sum(amount_cents)::bigint as total, count(*)::int as count,
    min(service_date)::text as period_from, max(service_date)::text as period_to
  from lines group by batch_id`;

/** A pseudonymous card reference: the last four digits of the (random) card number, never a name. */
const cardRef = sql.raw(`'…' || right(c.card_number, 4)`);

/**
 * Settles into the run's batch of its provider every booked redemption and correction reversal booked
 * before midnight Berlin of `cutoffDate` that has no settlement line yet, in two set-based statements.
 * A redemption is settled when its line exists (ADR 0027): one `INSERT … SELECT` of the lines, nothing
 * written to `redemptions`. Candidates are the rows written by transactions from `fromTxid` on (the
 * run's window, see settlement queries `settlementWindow`); the unique index on
 * `settlement_lines.redemption_id` is both the record and the arbiter: a row that already has its line
 * is skipped (`ON CONFLICT DO NOTHING`), a second line is impossible. Reversals take the settlement lock
 * shared (`lockRedemption`), so none runs while this claims: a concurrent void either committed before
 * (the row is no longer 'booked') or waits and then sees the line (and becomes a correction).
 * Returns the claimed totals per batch (redemptions and corrections separately).
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
          returning batch_id, amount_cents, service_date
        )
        ${perBatch}`,
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
          returning batch_id, amount_cents, service_date
        )
        ${perBatch}`,
  );
  return [...redemptions, ...corrections].map(toClaim);
}
