import { type SQL, sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../client.ts';
import { LOCK_KEYS } from '../locks.ts';

/**
 * The settlement run's statements (services/api/src/modules/settlement/settlement.run.ts), each
 * set-based: only per-provider aggregates reach Node. All run in the run's one transaction.
 */

/** The instant at which `cutoffDate` begins in Berlin, DST-safe (PostgreSQL's time zone data). */
const cutoffInstant = (cutoffDate: string) => sql`((${cutoffDate}::date)::timestamp at time zone 'Europe/Berlin')`;

/** Serialises runs across API instances and the CLI until the transaction ends. */
export async function lockSettlementRuns(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_KEYS.settlementRun})`);
}

export async function insertRun(
  tx: DbOrTx,
  run: { id: string; cutoffDate: string; triggeredBy: string },
): Promise<{ startedAt: Date }> {
  const [row] = await queryRows<{ started_at: Date | string }>(
    tx,
    sql`insert into settlement_runs (id, cutoff_date, status, triggered_by)
        values (${run.id}, ${run.cutoffDate}::date, 'running', ${run.triggeredBy}) returning started_at`,
  );
  return { startedAt: new Date(row!.started_at) };
}

export async function completeRun(
  tx: DbOrTx,
  run: { id: string; batchCount: number; totalCents: number; unsettledFromTxid: number },
): Promise<{ finishedAt: Date }> {
  const [row] = await queryRows<{ finished_at: Date | string }>(
    tx,
    sql`update settlement_runs set status = 'completed', finished_at = now(),
          batch_count = ${run.batchCount}, total_cents = ${run.totalCents},
          unsettled_from_txid = ${run.unsettledFromTxid}::bigint
        where id = ${run.id} returning finished_at`,
  );
  return { finishedAt: new Date(row!.finished_at) };
}

/**
 * The run's window (ADR 0031), read right after taking the run lock and before anything else:
 * `fromTxid`, the largest `unsettled_from_txid` of the completed runs (each run leaves every unsettled
 * booking at or above its value, and later rows come from later transactions), and `snapshotXmin`, the
 * oldest transaction still running now: a row this run cannot see comes from a transaction at or above it.
 */
export async function settlementWindow(tx: DbOrTx): Promise<{ fromTxid: number; snapshotXmin: number }> {
  const [row] = await queryRows<{ from_txid: number | string; snapshot_xmin: number | string }>(
    tx,
    sql`select coalesce((select max(unsettled_from_txid) from settlement_runs where status = 'completed'), 0)::bigint as from_txid,
               pg_snapshot_xmin(pg_current_snapshot())::text::bigint as snapshot_xmin`,
  );
  return { fromTxid: Number(row!.from_txid), snapshotXmin: Number(row!.snapshot_xmin) };
}

/**
 * Providers that may have something to settle: a booked redemption in the run's window booked before
 * the cutoff (a superset: drafts that get no line are dropped) or an unsettled correction. In the same
 * scan of the window, where the next run must start (ADR 0031): every booked row without a line after
 * this run is either booked on or after the cutoff (its txid is in the minimum below; this statement
 * sees every row the first snapshot saw) or was invisible to the run's first snapshot (txid ≥
 * `snapshotXmin`), so the lesser of the two bounds them all.
 */
export async function providersWithUnsettled(
  tx: DbOrTx,
  params: { cutoffDate: string; fromTxid: number; snapshotXmin: number },
): Promise<{ providerIds: string[]; unsettledFromTxid: number }> {
  const cutoffAt = cutoffInstant(params.cutoffDate);
  const rows = await queryRows<{ provider_id: string | null; next_txid: number | string | null }>(
    tx,
    sql`with w as materialized (
          select provider_id, booked_at < ${cutoffAt} as due, txid from redemptions
          where txid >= ${params.fromTxid}::bigint and status = 'booked'
        )
        (select provider_id, null::bigint as next_txid from w where due
         union
         select provider_id, null from redemption_reversals
           where kind = 'correction' and batch_id is null and reversed_at < ${cutoffAt})
        union all
        select null, least(${params.snapshotXmin}::bigint, (select min(txid) from w where not due))`,
  );
  const providerIds: string[] = [];
  let unsettledFromTxid = params.snapshotXmin;
  for (const r of rows) {
    if (r.provider_id !== null) providerIds.push(r.provider_id);
    else unsettledFromTxid = Number(r.next_txid);
  }
  providerIds.sort();
  return { providerIds, unsettledFromTxid };
}

/**
 * Draft batches, one per provider (numbered later, once it is known which got lines), and fresh
 * planner statistics: with stale ones PostgreSQL joins thousands of batches to the redemptions by
 * nested loop, one index scan per provider; informed, it hashes the batches and scans once.
 */
export async function insertDraftBatches(
  tx: DbOrTx,
  params: { runId: string; cutoffDate: string; batches: { id: string; providerId: string }[] },
): Promise<void> {
  const rows = params.batches.map((b) => ({ id: b.id, number: b.id, provider_id: b.providerId }));
  await tx.execute(
    sql`insert into settlement_batches (id, number, run_id, provider_id, cutoff_date, total_cents, line_count, status)
        select x.id, x.number, ${params.runId}, x.provider_id, ${params.cutoffDate}::date, 0, 0, 'open'
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id text, number text, provider_id text)`,
  );
  await tx.execute(sql`analyze settlement_batches`);
}

/**
 * Earlier carried-forward batches of these providers open the run's new batch of the same provider
 * (each exactly once). Returns the carried totals per new batch.
 */
export async function carryForward(
  tx: DbOrTx,
  params: { runId: string; batchIds: string[] },
): Promise<{ batchId: string; totalCents: number; lineCount: number }[]> {
  const rows = await queryRows<{ batch_id: string; total: number | string; count: number | string }>(
    tx,
    sql`with lines as (
          insert into settlement_lines (batch_id, kind, carried_from_batch_id, amount_cents)
          select b.id, 'carry_forward', cf.id, cf.total_cents
          from settlement_batches cf
          join settlement_batches b on b.provider_id = cf.provider_id and b.run_id = ${params.runId}
          where cf.status = 'carried_forward' and cf.run_id <> ${params.runId}
            and b.id in (select jsonb_array_elements_text(${JSON.stringify(params.batchIds)}::jsonb))
            and not exists (select 1 from settlement_lines l where l.carried_from_batch_id = cf.id)
          returning batch_id, amount_cents
        )
        select batch_id, sum(amount_cents)::bigint as total, count(*)::int as count
        from lines group by batch_id`,
  );
  return rows.map((r) => ({ batchId: r.batch_id, totalCents: Number(r.total), lineCount: Number(r.count) }));
}

/** Drops the run's draft batches that got no line (everything was reversed meanwhile). */
export async function deleteDraftBatches(tx: DbOrTx, params: { runId: string; batchIds: string[] }): Promise<void> {
  if (params.batchIds.length === 0) return;
  await tx.execute(
    sql`delete from settlement_batches
        where run_id = ${params.runId} and id in (select jsonb_array_elements_text(${JSON.stringify(params.batchIds)}::jsonb))`,
  );
}

/** Reserves `count` gapless numbers of the year's batch counter; returns the first. */
export async function reserveBatchNumbers(tx: DbOrTx, params: { year: string; count: number }): Promise<number> {
  const [counter] = await queryRows<{ value: number | string }>(
    tx,
    sql`insert into counters (name, value) values (${`settlement_batch:${params.year}`}, ${params.count})
        on conflict (name) do update set value = counters.value + excluded.value
        returning value`,
  );
  return Number(counter!.value) - params.count + 1;
}

export interface BatchFinal {
  id: string;
  number: string;
  totalCents: number;
  lineCount: number;
  periodFrom: string | null;
  periodTo: string | null;
}

/** Numbers the run's batches and sets their totals; a batch whose total is not positive is carried forward. */
export async function finalizeBatches(tx: DbOrTx, batches: BatchFinal[]): Promise<void> {
  const rows = batches.map((b) => ({
    id: b.id,
    number: b.number,
    total: b.totalCents,
    count: b.lineCount,
    period_from: b.periodFrom,
    period_to: b.periodTo,
  }));
  await tx.execute(
    sql`update settlement_batches b
        set number = x.number, total_cents = x.total, line_count = x.count,
            period_from = x.period_from::date, period_to = x.period_to::date,
            status = case when x.total <= 0 then 'carried_forward' else 'open' end
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as x(id text, number text, total bigint, count int, period_from text, period_to text)
        where b.id = x.id`,
  );
}

/** One line of a settlement batch as the desk and the statement show it. */
export interface BatchLineRow {
  kind: 'redemption' | 'correction' | 'carry_forward';
  redemptionId: string | null;
  reversalId: string | null;
  carriedFromBatchId: string | null;
  carriedFromBatchNumber: string | null;
  cardRef: string | null;
  serviceDate: string | null;
  bookedAt: Date | null;
  benefitType: string | null;
  legalBasis: string | null;
  costBearer: string | null;
  amountCents: number;
}

/** A batch's lines: carried-forward amounts first, then by service date and booking time. */
export async function listBatchLines(
  db: DbOrTx,
  params: { batchId: string; limit?: number | undefined; offset?: number | undefined },
): Promise<BatchLineRow[]> {
  const page = params.limit === undefined ? sql`` : sql` limit ${params.limit} offset ${params.offset ?? 0}`;
  const rows = await queryRows<Omit<BatchLineRow, 'bookedAt'> & { bookedAt: Date | string | null }>(
    db,
    sql`select l.kind, l.redemption_id as "redemptionId", l.reversal_id as "reversalId",
               l.carried_from_batch_id as "carriedFromBatchId", cf.number as "carriedFromBatchNumber",
               l.card_ref as "cardRef", l.service_date as "serviceDate", l.booked_at as "bookedAt",
               l.benefit_type as "benefitType", l.legal_basis as "legalBasis", l.cost_bearer as "costBearer",
               l.amount_cents as "amountCents"
        from settlement_lines l
        left join settlement_batches cf on cf.id = l.carried_from_batch_id
        where l.batch_id = ${params.batchId}
        order by case l.kind when 'carry_forward' then 0 else 1 end, l.service_date, l.booked_at,
                 l.redemption_id, l.reversal_id, l.carried_from_batch_id${page}`,
  );
  return rows.map((r) => ({
    ...r,
    amountCents: Number(r.amountCents),
    bookedAt: r.bookedAt ? new Date(r.bookedAt) : null,
  }));
}

/** The payment date of a batch: the bank's value date (camt statement), else the day it was marked paid. */
export const PAYMENT_DATE = sql`coalesce(b.paid_on, (b.paid_at at time zone 'Europe/Berlin')::date)`;

/**
 * Settlement lines of the selected batches with carry-forward lines expanded into the lines of the
 * batches they carry (recursively), so every amount keeps its legal basis, cost bearer and benefit type.
 * Columns: batch_id, legal_basis, cost_bearer, benefit_type, amount_cents, service_date.
 * Set-based: only the few carry-forward lines go through the recursion (`carried`: each selected batch
 * with every batch it carries, directly or through others); the lines themselves are one plain join, which
 * PostgreSQL scans in parallel (through a recursive CTE's work table every line of a year took 13 s at
 * Land scale, docs/benchmarks.md).
 */
export function effectiveLines(batchFilter: SQL): SQL {
  return sql`${carriedBatches(batchFilter)}, lines as (
      select l.batch_id, l.legal_basis, l.cost_bearer, l.benefit_type, l.amount_cents, l.service_date
      from settlement_lines l join settlement_batches b on b.id = l.batch_id
      where l.kind <> 'carry_forward' and (${batchFilter})
      union all
      select c.batch_id, l.legal_basis, l.cost_bearer, l.benefit_type, l.amount_cents, l.service_date
      from carried c join settlement_lines l on l.batch_id = c.carried_from_batch_id
      where l.kind <> 'carry_forward'
    )`;
}

/** Opens a WITH list with `carried`: each selected batch with every batch it carries, directly or through others. */
function carriedBatches(batchFilter: SQL): SQL {
  return sql`with recursive carried (batch_id, carried_from_batch_id) as (
      select l.batch_id, l.carried_from_batch_id
      from settlement_lines l join settlement_batches b on b.id = l.batch_id
      where l.carried_from_batch_id is not null and l.kind = 'carry_forward' and (${batchFilter})
      union all
      select c.batch_id, l.carried_from_batch_id
      from carried c join settlement_lines l on l.batch_id = c.carried_from_batch_id
      where l.carried_from_batch_id is not null and l.kind = 'carry_forward'
    )`;
}

/**
 * The batch sums (ADR 0037) of the selected batches with carried batches expanded as in `effectiveLines`:
 * the same amounts per batch, legal basis, cost bearer and benefit type, without reading a line other than
 * the few carry-forward lines. Columns: batch_id, legal_basis, cost_bearer, benefit_type, amount_cents.
 */
export function effectiveSums(batchFilter: SQL): SQL {
  return sql`${carriedBatches(batchFilter)}, sums as (
      select s.batch_id, s.legal_basis, s.cost_bearer, s.benefit_type, s.amount_cents
      from settlement_batch_sums s join settlement_batches b on b.id = s.batch_id
      where ${batchFilter}
      union all
      select c.batch_id, s.legal_basis, s.cost_bearer, s.benefit_type, s.amount_cents
      from carried c join settlement_batch_sums s on s.batch_id = c.carried_from_batch_id
    )`;
}

export interface BookingRow {
  batch_number: string;
  provider_id: string;
  provider_name: string;
  legal_basis: string;
  cost_bearer: string | null;
  cost_bearer_name: string | null;
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
           cb.name_de as cost_bearer_name, g.benefit_type, ba.cost_centre, ba.account, g.period_from, g.period_to, g.amount_cents
    from grouped g
    join settlement_batches b on b.id = g.batch_id
    join providers p on p.id = b.provider_id
    left join cost_bearers cb on cb.code = g.cost_bearer
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
