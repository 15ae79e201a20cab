import { type SQL, sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../client.ts';

/**
 * The invariants `pnpm verify` checks (services/api/src/modules/admin/verify.service.ts runs them):
 * each query returns the rows that violate it, so an empty result means the invariant holds.
 */
export interface InvariantQuery {
  name: string;
  description: string;
  query: SQL;
}

export const INVARIANTS: InvariantQuery[] = [
  {
    name: 'budget_balance',
    description: 'for every approval with a budget: budget = remaining + booked − reversed + lapsed',
    query: sql`
      select a.id, a.budget_cents as "budgetCents", a.remaining_cents as "remainingCents",
             coalesce(r.booked, 0)::bigint as "bookedCents", coalesce(v.reversed, 0)::bigint as "reversedCents",
             coalesce(l.lapsed, 0)::bigint as "lapsedCents"
      from approvals a
      left join (select approval_id, sum(amount_cents) as booked from redemptions group by approval_id) r on r.approval_id = a.id
      left join (select rd.approval_id, sum(rv.amount_cents) as reversed
                 from redemption_reversals rv join redemptions rd on rd.id = rv.redemption_id group by rd.approval_id) v
             on v.approval_id = a.id
      left join (select approval_id, sum(amount_cents) as lapsed from approval_lapses group by approval_id) l
             on l.approval_id = a.id
      where a.budget_cents is not null
        and a.budget_cents <> coalesce(a.remaining_cents, 0) + coalesce(r.booked, 0) - coalesce(v.reversed, 0)
                              + coalesce(l.lapsed, 0)`,
  },
  {
    name: 'lapse_consistency',
    description:
      'a lapsed approval keeps no balance; a lapse entry of a reversal belongs to a reversal on that approval, after its lapse',
    query: sql`
      select a.id, a.remaining_cents as "remainingCents", l.id as "lapseId", l.kind
      from approval_lapses l join approvals a on a.id = l.approval_id
      where (l.kind = 'remainder' and a.remaining_cents <> 0)
         or (l.kind = 'reversal' and (a.budget_cents is null or not exists (
               select 1 from redemption_reversals v join redemptions d on d.id = v.redemption_id
               where v.id = l.reversal_id and d.approval_id = l.approval_id and v.amount_cents = l.amount_cents)
             or not exists (select 1 from approval_lapses m where m.approval_id = l.approval_id and m.kind = 'remainder')))`,
  },
  {
    name: 'no_negative_balance',
    description: 'no remaining balance below zero or above its budget',
    query: sql`select id, remaining_cents as "remainingCents", budget_cents as "budgetCents" from approvals
               where remaining_cents < 0 or remaining_cents > budget_cents`,
  },
  {
    name: 'lunch_once_per_day',
    description: 'at most the allowed number of booked lunches per child and service date (any provider)',
    query: sql`
      select beneficiary_id as "beneficiaryId", service_date as "serviceDate", count(*)::int as meals
      from redemptions
      where benefit_type = 'lunch' and status = 'booked'
      group by beneficiary_id, service_date
      having count(*) > (select lunch_meals_per_day from city_settings where id = 1)`,
  },
  {
    name: 'reversal_consistency',
    description:
      'a redemption is reversed exactly when one reversal of its full amount exists; a void one was never settled',
    query: sql`
      select r.id, r.status, rv.id as "reversalId", rv.kind, r.amount_cents as "amountCents", rv.amount_cents as "reversedCents"
      from redemptions r
      left join redemption_reversals rv on rv.redemption_id = r.id
      where (r.status = 'reversed') <> (rv.id is not null)
         or rv.amount_cents <> r.amount_cents
         or (rv.kind = 'void' and exists (select 1 from settlement_lines l where l.redemption_id = r.id))
         or (rv.kind = 'correction' and not exists (select 1 from settlement_lines l where l.redemption_id = r.id))`,
  },
  {
    name: 'settled_redemption_in_one_batch',
    description:
      "a redemption is settled by its one line (ADR 0031): none is left below the last run's unsettled_from_txid, no line without its redemption or its batch",
    query: sql`
      select r.id, r.txid, null as "lineBatchId"
      from redemptions r
      left join redemption_reversals rv on rv.redemption_id = r.id
      where r.txid < (select max(unsettled_from_txid) from settlement_runs where status = 'completed')
        and (rv.kind is null or rv.kind = 'correction')
        and not exists (select 1 from settlement_lines l where l.redemption_id = r.id)
      union all
      select coalesce(l.redemption_id, l.reversal_id, l.carried_from_batch_id), null, l.batch_id from settlement_lines l
      where (l.redemption_id is not null and not exists (select 1 from redemptions r where r.id = l.redemption_id))
         or not exists (select 1 from settlement_batches b where b.id = l.batch_id)`,
  },
  {
    name: 'settled_correction_in_one_batch',
    description: 'every settled correction is in exactly one batch, the one it points to, with the negative amount',
    query: sql`
      select rv.id, rv.batch_id as "batchId", l.batch_id as "lineBatchId", l.amount_cents as "lineCents", rv.amount_cents as "amountCents"
      from redemption_reversals rv
      left join settlement_lines l on l.reversal_id = rv.id
      where (rv.batch_id is not null or l.reversal_id is not null)
        and (l.batch_id is distinct from rv.batch_id or l.amount_cents <> -rv.amount_cents)`,
  },
  {
    name: 'line_amount_matches_redemption',
    description: 'a redemption line carries the redemption amount',
    query: sql`
      select l.redemption_id as id, l.amount_cents as "lineCents", r.amount_cents as "amountCents"
      from settlement_lines l join redemptions r on r.id = l.redemption_id
      where l.amount_cents <> r.amount_cents`,
  },
  {
    name: 'batch_totals',
    description: 'every batch total and line count equals its lines',
    query: sql`
      select b.id, b.number, b.total_cents as "totalCents", coalesce(s.total, 0)::bigint as "linesCents",
             b.line_count as "lineCount", coalesce(s.n, 0)::int as lines
      from settlement_batches b
      left join (select batch_id, sum(amount_cents) as total, count(*) as n from settlement_lines group by batch_id) s
             on s.batch_id = b.id
      where b.total_cents <> coalesce(s.total, 0) or b.line_count <> coalesce(s.n, 0)`,
  },
  {
    name: 'batch_sums',
    description:
      'every batch sum (ADR 0037) equals its lines of that kind, legal basis, cost bearer and benefit type, and no such lines lack their sum',
    query: sql`
      select coalesce(s.batch_id, l.batch_id) as "batchId", coalesce(s.kind, l.kind) as kind,
             coalesce(s.legal_basis, l.legal_basis) as "legalBasis", s.amount_cents as "sumCents",
             l.amount_cents as "linesCents", s.line_count as "sumLines", l.n as lines
      from settlement_batch_sums s
      full join (select batch_id, kind, legal_basis, cost_bearer, benefit_type, sum(amount_cents) as amount_cents,
                        count(*) as n
                 from settlement_lines where kind <> 'carry_forward'
                 group by 1, 2, 3, 4, 5) l
        -- (a full join needs equality: a missing value is compared as '')
        on l.batch_id = s.batch_id and l.kind = s.kind and coalesce(l.legal_basis, '') = coalesce(s.legal_basis, '')
       and coalesce(l.cost_bearer, '') = coalesce(s.cost_bearer, '')
       and coalesce(l.benefit_type, '') = coalesce(s.benefit_type, '')
      where s.amount_cents is distinct from l.amount_cents or s.line_count is distinct from l.n`,
  },
  {
    name: 'payment_file_totals',
    description: 'every payment file equals its batches (count and sum)',
    query: sql`
      select p.id, p.total_cents as "totalCents", coalesce(s.total, 0)::bigint as "batchesCents",
             p.batch_count as "batchCount", coalesce(s.n, 0)::int as batches
      from payment_files p
      left join (select f.payment_file_id, sum(b.total_cents) as total, count(*) as n
                 from (select payment_file_id, id as batch_id from settlement_batches where payment_file_id is not null
                       -- a batch the bank returned and that went into a newer file still belongs to this one
                       union select payment_file_id, batch_id from bank_statement_entries
                       where outcome = 'returned' and payment_file_id is not null) f
                 join settlement_batches b on b.id = f.batch_id
                 group by f.payment_file_id) s on s.payment_file_id = p.id
      where p.total_cents <> coalesce(s.total, 0) or p.batch_count <> coalesce(s.n, 0)`,
  },
  {
    name: 'exported_batches_in_a_file',
    description: 'a batch is exported, paid or returned exactly when it is in a payment file',
    query: sql`select id, number, status from settlement_batches
               where (status in ('exported', 'paid', 'returned')) <> (payment_file_id is not null)`,
  },
  {
    name: 'audit_complete',
    description: 'the audit log has an entry for every written entity',
    query: sql`
      select kind, id from (
        select 'user' as kind, t.id from users t where not exists (select 1 from audit_log a where a.entity_id = t.id)
        union all select 'provider', t.id from providers t where not exists (select 1 from audit_log a where a.entity_id = t.id)
        union all select 'beneficiary', t.id from beneficiaries t where not exists (select 1 from audit_log a where a.entity_id = t.id)
        union all select 'approval', t.id from approvals t where not exists (select 1 from audit_log a where a.entity_id = t.id)
        union all select 'card', t.id from cards t where not exists (select 1 from audit_log a where a.entity_id = t.id)
        union all select 'redemption', t.id from redemptions t where not exists (select 1 from audit_log a where a.entity_id = t.id)
        union all select 'reversal', t.id from redemption_reversals t
          where not exists (select 1 from audit_log a where a.entity_id in (t.id, t.redemption_id) and a.action like '%revers%')
        union all select 'batch', t.id from settlement_batches t
          where not exists (select 1 from audit_log a where a.entity_id in (t.id, t.run_id))
        union all select 'payment_file', t.id from payment_files t where not exists (select 1 from audit_log a where a.entity_id = t.id)
        union all select 'bank_statement', t.id from bank_statements t where not exists (select 1 from audit_log a where a.entity_id = t.id)
      ) missing`,
  },
];

/** How many violations of one invariant there are, with a few sample rows. */
export async function countViolations(
  tx: DbOrTx,
  check: InvariantQuery,
  sampleLimit: number,
): Promise<{ n: number; samples: Record<string, unknown>[] }> {
  const [row] = await queryRows<{ n: number; samples: Record<string, unknown>[] }>(
    tx,
    sql`with v as (${check.query}) select (select count(*)::int from v) as n, coalesce((select json_agg(s) from (select * from v limit ${sampleLimit}) s), '[]'::json) as samples`,
  );
  return row ?? { n: 0, samples: [] };
}

/** Row counts of the ledger's tables, for the report's header. */
export async function ledgerCounts(tx: DbOrTx): Promise<Record<string, number>> {
  const [counts] = await queryRows<Record<string, number>>(
    tx,
    sql`select (select count(*) from approvals)::int as approvals, (select count(*) from redemptions)::int as redemptions,
               (select count(*) from redemption_reversals)::int as reversals,
               (select count(*) from approval_lapses)::int as lapses, (select count(*) from settlement_batches)::int as batches,
               (select count(*) from payment_files)::int as "paymentFiles", (select count(*) from audit_log)::int as "auditEntries"`,
  );
  return counts ?? {};
}
