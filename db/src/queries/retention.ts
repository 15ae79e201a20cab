import { type SQL, sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../client.ts';

/**
 * The retention run's reads and writes (services/api/src/modules/admin/retention.service.ts,
 * docs/privacy.md): which children are due for pseudonymisation, the pseudonymisation itself, and the
 * deletion of expired throttle counters and declines. Idempotency keys belong to the bookings module
 * (`deleteIdempotencyKeys` in queries/bookings.ts). Ids travel as one JSON parameter (drizzle would spread an array into a tuple).
 */

/** A child that has nothing unsettled, with the latest `valid_to` of its approvals (or its creation day). */
export interface RetentionCandidateRow {
  id: string;
  last_valid_to: string;
}

/** A batch counts as settled once it went out in a payment file (exported) or was paid; a carried-forward one when its carrier did. */
const settled = (
  batch: SQL,
) => sql`(${batch}.status in ('exported', 'paid') or (${batch}.status = 'carried_forward' and exists (
  select 1 from settlement_lines cl join settlement_batches nb on nb.id = cl.batch_id
  where cl.carried_from_batch_id = ${batch}.id and nb.status in ('exported', 'paid'))))`;

/**
 * Children not yet pseudonymised whose latest approval ended before `before` (a prefilter: the exact
 * rule, grace + retention months, is `isRetentionDue` in @tk/core) and that have nothing unsettled: no
 * booked redemption without its settlement line (ADR 0031) or in a batch not yet paid out, no correction
 * still to settle.
 */
export function retentionCandidates(db: DbOrTx, params: { before: string }) {
  return queryRows<RetentionCandidateRow>(
    db,
    sql`select b.id, coalesce(max(a.valid_to), (b.created_at at time zone 'Europe/Berlin')::date)::text as last_valid_to
        from beneficiaries b
        left join approvals a on a.beneficiary_id = b.id
        where b.pseudonymised_at is null
          and not exists (
            select 1 from redemptions r
            left join settlement_lines rl on rl.redemption_id = r.id
            left join settlement_batches sb on sb.id = rl.batch_id
            left join redemption_reversals rv on rv.redemption_id = r.id
            left join settlement_batches cb on cb.id = rv.batch_id
            where r.beneficiary_id = b.id
              and ((r.status = 'booked' and rl.batch_id is null)
                or (rl.batch_id is not null and not ${settled(sql`sb`)})
                or (rv.kind = 'correction' and (rv.batch_id is null or not ${settled(sql`cb`)}))))
        group by b.id
        having coalesce(max(a.valid_to), (b.created_at at time zone 'Europe/Berlin')::date) < ${params.before}::date
        order by b.id`,
  );
}

const idList = (ids: string[]) => sql`(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`;

export interface PseudonymisedCounts {
  beneficiaries: string[];
  cards: number;
}

/**
 * Pseudonymises the children `ids` (those not yet pseudonymised): names, birth date and case reference
 * set to null, the master-data history reduced to the names of the corrected fields, the case reference
 * taken out of the approvals' import keys and their free-text file reference, active cards blocked and
 * their family access codes deleted. Bookings, settlement lines and payments are not touched: they refer
 * to the child by its id and to the card by its (random) number.
 */
export async function pseudonymiseBeneficiaries(
  db: DbOrTx,
  params: { ids: string[]; at: Date; actorId: string | null },
): Promise<PseudonymisedCounts> {
  const { ids, at } = params;
  if (ids.length === 0) return { beneficiaries: [], cards: 0 };
  const done = await queryRows<{ id: string }>(
    db,
    sql`update beneficiaries set given_name = null, family_name = null, birth_date = null, case_reference = null,
               pseudonymised_at = ${at}, updated_at = ${at}
        where id in ${idList(ids)} and pseudonymised_at is null
        returning id`,
  );
  const changed = done.map((r) => r.id);
  if (changed.length === 0) return { beneficiaries: [], cards: 0 };
  const nullsOf = (column: SQL) =>
    sql`(select coalesce(jsonb_object_agg(k, 'null'::jsonb), '{}'::jsonb) from jsonb_object_keys(${column}) k)`;
  await queryRows(
    db,
    sql`update beneficiary_revisions set before = ${nullsOf(sql`before`)}, after = ${nullsOf(sql`after`)}
        where beneficiary_id in ${idList(changed)}`,
  );
  await queryRows(
    db,
    sql`update approvals set import_key = null, reference = null
        where beneficiary_id in ${idList(changed)} and (import_key is not null or reference is not null)`,
  );
  await queryRows(
    db,
    sql`update approval_revisions set snapshot = snapshot - 'reference' - 'importKey'
        where approval_id in (select id from approvals where beneficiary_id in ${idList(changed)})
          and (snapshot ? 'reference' or snapshot ? 'importKey')`,
  );
  await queryRows(
    db,
    sql`delete from family_access_codes where card_id in (select id from cards where beneficiary_id in ${idList(changed)})`,
  );
  const blocked = await queryRows<{ id: string }>(
    db,
    sql`update cards set status = 'blocked', block_reason = 'other', blocked_at = ${at}, blocked_by = ${params.actorId}
        where beneficiary_id in ${idList(changed)} and status = 'active'
        returning id`,
  );
  return { beneficiaries: changed, cards: blocked.length };
}

/** Counts (dry run) or deletes the rows a `where` selects; returns how many. */
async function deleteOrCount(db: DbOrTx, table: SQL, where: SQL, dryRun: boolean): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    dryRun
      ? sql`select count(*)::int as n from ${table} where ${where}`
      : sql`with d as (delete from ${table} where ${where} returning 1) select count(*)::int as n from d`,
  );
  return row?.n ?? 0;
}

export interface ExpiredRowCounts {
  declines: number;
  throttleCounters: number;
  familyAccessFailures: number;
  revokedTokens: number;
}

/**
 * Expired rows other than idempotency keys: declined terminal attempts older than `declinesBefore`,
 * throttle counters (rate_limits, whose `expire` is epoch ms) and failed family logins that ended before
 * `countersBefore`, and revoked token ids past their expiry (`now`).
 */
export async function deleteExpiredRows(
  db: DbOrTx,
  params: { declinesBefore: Date; countersBefore: Date; now: Date; dryRun: boolean },
): Promise<ExpiredRowCounts> {
  const { dryRun } = params;
  return {
    declines: await deleteOrCount(db, sql`redemption_declines`, sql`at < ${params.declinesBefore}`, dryRun),
    throttleCounters: await deleteOrCount(
      db,
      sql`rate_limits`,
      sql`expire is not null and expire < ${params.countersBefore.getTime()}`,
      dryRun,
    ),
    familyAccessFailures: await deleteOrCount(
      db,
      sql`family_access_failures`,
      sql`at < ${params.countersBefore}`,
      dryRun,
    ),
    revokedTokens: await deleteOrCount(db, sql`revoked_tokens`, sql`expires_at < ${params.now}`, dryRun),
  };
}
