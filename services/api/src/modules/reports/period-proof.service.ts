import {
  type CivilDate,
  type Clock,
  expectedClosing,
  type PeriodFigures,
  type PeriodProofPayload,
  periodProofErrors,
} from '@tk/core';
import { type Db, type DbOrTx, queryRows } from '@tk/db';
import { effectiveLines, PAYMENT_DATE } from '@tk/db/queries/settlement';
import { sql } from 'drizzle-orm';
import { CompactSign } from 'jose';
import { sealAuditChain, verifyAuditChain } from '../../lib/audit-chain.ts';
import type { KeyRing } from '../../lib/keys.ts';

/**
 * The budget ledger as entries, recomputed from the append-only rows (never from the
 * cached balance): budget granted or changed (approval revisions; an approval without
 * revisions counts its budget when created), bookings, reversals and lapse entries (`approval_lapses`,
 * remainders and lapsed reversals, ADR 0030). Only approvals with a budget:
 * lunch is granted per meal, so its bookings are reported beside the identity, not in it.
 */
const LEDGER = sql`ledger (approval_id, kind, at, cents) as (
    select r.approval_id, 'approved', r.changed_at,
           coalesce((r.snapshot->>'budgetCents')::bigint, 0)
             - coalesce(lag((r.snapshot->>'budgetCents')::bigint) over (partition by r.approval_id order by r.changed_at, r.id), 0)
    from approval_revisions r where r.kind in ('created', 'amended')
    union all
    select a.id, 'approved', a.created_at, a.budget_cents from approvals a
    where a.budget_cents is not null and not exists (select 1 from approval_revisions r where r.approval_id = a.id)
    union all
    select d.approval_id, 'booked', d.booked_at, d.amount_cents from redemptions d
    union all
    select d.approval_id, 'reversed', v.reversed_at, v.amount_cents
    from redemption_reversals v join redemptions d on d.id = v.redemption_id
    union all
    select l.approval_id, 'lapsed', l.lapsed_at, l.amount_cents from approval_lapses l
  )`;

interface Row {
  legal_basis: string;
  cost_bearer: string | null;
  opening: string | number;
  approved: string | number;
  booked: string | number;
  reversed: string | number;
  lapsed: string | number;
  settled: string | number;
  paid: string | number;
}

const SIGNED = sql`case e.kind when 'approved' then e.cents when 'booked' then -e.cents
  when 'reversed' then e.cents when 'lapsed' then -e.cents else 0 end`;

/** The figures of the contract per legal basis and cost bearer, in one read-only snapshot. */
async function figures(tx: DbOrTx, from: CivilDate, to: CivilDate): Promise<Row[]> {
  const start = sql`(${from}::date::timestamp at time zone 'Europe/Berlin')`;
  const end = sql`((${to}::date + 1)::timestamp at time zone 'Europe/Berlin')`;
  const inPeriod = (kind: string) =>
    sql`coalesce(sum(e.cents) filter (where e.kind = ${kind} and e.at >= ${start}), 0)`;
  return queryRows<Row>(
    tx,
    // effectiveLines opens the WITH list (recursive: carry-forward lines keep their legal basis).
    sql`${effectiveLines(sql`b.status = 'paid' and ${PAYMENT_DATE} between ${from}::date and ${to}::date`)},
    ${LEDGER},
    budget as (
      select a.legal_basis, a.cost_bearer,
             coalesce(sum(${SIGNED}) filter (where e.at < ${start}), 0) as opening,
             ${inPeriod('approved')} as approved, ${inPeriod('booked')} as booked,
             ${inPeriod('reversed')} as reversed, ${inPeriod('lapsed')} as lapsed
      from ledger e join approvals a on a.id = e.approval_id
      where a.budget_cents is not null and e.at < ${end}
      group by 1, 2
    ),
    settled as (
      select l.legal_basis, l.cost_bearer, sum(l.amount_cents) as settled
      from settlement_lines l join settlement_batches b on b.id = l.batch_id
      where l.kind <> 'carry_forward'
        -- a run with cutoff D settles what was booked up to D − 1: it belongs to the day before its cutoff
        and b.cutoff_date > ${from}::date and b.cutoff_date <= ${to}::date + 1
      group by 1, 2
    ),
    paid as (select legal_basis, cost_bearer, sum(amount_cents) as paid from lines group by 1, 2)
    select k.legal_basis, k.cost_bearer,
           coalesce(bu.opening, 0)::bigint as opening, coalesce(bu.approved, 0)::bigint as approved,
           coalesce(bu.booked, 0)::bigint as booked, coalesce(bu.reversed, 0)::bigint as reversed,
           coalesce(bu.lapsed, 0)::bigint as lapsed, coalesce(s.settled, 0)::bigint as settled,
           coalesce(p.paid, 0)::bigint as paid
    from (select legal_basis, cost_bearer from budget union select legal_basis, cost_bearer from settled
          union select legal_basis, cost_bearer from paid) k
    left join budget bu on bu.legal_basis = k.legal_basis and bu.cost_bearer is not distinct from k.cost_bearer
    left join settled s on s.legal_basis = k.legal_basis and s.cost_bearer is not distinct from k.cost_bearer
    left join paid p on p.legal_basis = k.legal_basis and p.cost_bearer is not distinct from k.cost_bearer
    order by k.legal_basis, k.cost_bearer nulls first`,
  );
}

export interface PeriodProof {
  payload: PeriodProofPayload;
  jws: string;
}

/**
 * A signed proof of a period for the audit office: seals the audit chain, recomputes every figure from
 * the ledger in one read-only snapshot, checks the identity opening + approved − booked + reversed −
 * lapsed = closing to the cent, and signs the payload as a compact EdDSA JWS with the proof key ring.
 * Throws (500) if the arithmetic does not hold or the audit chain is broken: a proof is never signed then.
 */
export async function getPeriodProof(
  db: Db,
  ring: KeyRing,
  range: { from: CivilDate; to: CivilDate },
  clock: Clock,
): Promise<PeriodProof> {
  await sealAuditChain(db);
  const payload = await db.transaction(
    async (tx) => {
      const rows = await figures(tx, range.from, range.to);
      const chain = await verifyAuditChain(tx);
      if (!chain.ok) throw new Error(`audit chain broken: ${JSON.stringify(chain.problems.slice(0, 3))}`);
      const byLegalBasis = rows.map((r) => {
        const f: PeriodFigures = {
          openingRemainingCents: Number(r.opening),
          approvedCents: Number(r.approved),
          bookedCents: Number(r.booked),
          reversedCents: Number(r.reversed),
          lapsedCents: Number(r.lapsed),
          closingRemainingCents: 0,
          settledCents: Number(r.settled),
          paidCents: Number(r.paid),
        };
        f.closingRemainingCents = expectedClosing(f);
        return { legalBasis: r.legal_basis, costBearer: r.cost_bearer, ...f };
      });
      const total = (key: keyof PeriodFigures) => byLegalBasis.reduce((s, row) => s + row[key], 0);
      return {
        from: range.from,
        to: range.to,
        generatedAt: clock.now().toISOString(),
        openingRemainingCents: total('openingRemainingCents'),
        approvedCents: total('approvedCents'),
        bookedCents: total('bookedCents'),
        reversedCents: total('reversedCents'),
        lapsedCents: total('lapsedCents'),
        closingRemainingCents: total('closingRemainingCents'),
        settledCents: total('settledCents'),
        paidCents: total('paidCents'),
        byLegalBasis,
        auditChainHead: chain.head,
      } satisfies PeriodProofPayload;
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  const errors = periodProofErrors(payload);
  if (errors.length > 0) throw new Error(`period proof does not add up: ${errors.join('; ')}`);
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', kid: ring.signer.kid, typ: 'tk-period-proof+jws', cty: 'application/json' })
    .sign(ring.signer.key);
  return { payload, jws };
}
