import os from 'node:os';
import { parseArgs } from 'node:util';
import { systemActor } from '@tk/api/lib/audit.ts';
import { sealAuditChain, startAuditSealer, verifyAuditChain } from '@tk/api/lib/audit-chain.ts';
import { generateKeyRings } from '@tk/api/lib/keys.ts';
import { book, runLapse } from '@tk/api/modules/bookings/bookings.service.ts';
import { getPeriodProof } from '@tk/api/modules/reports/period-proof.service.ts';
import { runSettlement } from '@tk/api/modules/settlement/settlement.run.ts';
import { fixedClock, periodProofErrors } from '@tk/core';
import { scratchDatabase } from '../proofs/harness.ts';
import { machineLine, writeBenchmarkSection } from './report.ts';

/**
 * `pnpm bench proof [--redemptions 1000000] [--children 100000] [--providers 2000] [--seconds 10] [--clients 16]`:
 * 1. the signed period proof (`getPeriodProof`) over a scratch PostgreSQL database (BENCH_DATABASE_URL, default
 *    the local server) holding `--redemptions` redemptions (each with its audit row, 2 % reversed), settled by the
 *    real nightly run, with the lapse run over the approvals that ended; rows generated set-based in SQL;
 * 2. the booking rate through the ledger's one booking statement (`book`) with `--clients` concurrent writers for
 *    `--seconds`, without and with the audit chain sealer running (every second instead of every five).
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      redemptions: { type: 'string', default: '1000000' },
      children: { type: 'string', default: '100000' },
      providers: { type: 'string', default: '2000' },
      seconds: { type: 'string', default: '10' },
      clients: { type: 'string', default: '16' },
    },
  });
  const n = Number(values.redemptions);
  const childCount = Number(values.children);
  const providerCount = Number(values.providers);
  const seconds = Number(values.seconds);
  const clients = Number(values.clients);
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const scratch = await scratchDatabase(serverUrl, 'tk_lapse_bench_proof', { poolSize: clients + 2 });
  const database = scratch.database;
  const q = (text: string) => database.query(text);
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const result = await fn();
    return [result, (performance.now() - start) / 1000];
  };
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
  try {
    console.log(`generating ${n} redemptions over ${childCount} children and ${providerCount} providers …`);
    const [, generateSeconds] = await timed(async () => {
      await q(`insert into providers (id, name, category, status, benefit_types, account_holder, iban, town)
        select 'prv_' || i, 'Anbieter ' || i, 'club', 'approved', '{participation}', 'Anbieter ' || i, 'DE89370400440532013000', 'Hamm'
        from generate_series(1, ${providerCount}) i`);
      await q(`insert into beneficiaries (id, given_name, family_name, birth_date, case_reference)
        select 'ben_' || i, 'Kind', 'Nr' || i, '2015-01-01', 'AZ-' || i from generate_series(1, ${childCount}) i`);
      await q(`insert into cards (id, beneficiary_id, card_number, qr_token, key_id)
        select 'card_' || i, 'ben_' || i, lpad(i::text, 16, '0'), 'x', 'k' from generate_series(1, ${childCount}) i`);
      // Every fifth approval ended 31.07.2026 (last booking day 31.10.2026): the lapse run takes its remainder.
      // Budgets are large enough for the bookings: budget = remaining + booked is set after the redemptions.
      await q(`insert into approvals (id, beneficiary_id, benefit_type, legal_basis, cost_bearer, valid_from, valid_to,
                                      budget_cents, remaining_cents, created_at)
        select 'apv_' || i, 'ben_' || i, 'participation',
               (array['SGB_II','SGB_XII_3','BKGG_KIZ','ASYLBLG'])[1 + i % 4],
               case when i % 4 = 2 then null else 'JOBCENTER' end,
               '2026-01-01', case when i % 5 = 0 then date '2026-07-31' else date '2026-12-31' end,
               0, 0, timestamptz '2026-01-01 08:00+01'
        from generate_series(1, ${childCount}) i`);
      await q(`insert into redemptions (id, provider_id, approval_id, beneficiary_id, card_id, benefit_type, service_date,
                                        amount_cents, status, booked_at, booked_by)
        select 'rdm_' || i, 'prv_' || (1 + i % ${providerCount}), 'apv_' || (1 + i % ${childCount}),
               'ben_' || (1 + i % ${childCount}), 'card_' || (1 + i % ${childCount}), 'participation',
               date '2026-02-01' + (i % 150), 100 + i % 900, case when i % 50 = 0 then 'reversed' else 'booked' end,
               timestamptz '2026-02-01 08:00+01' + (i % 12960000) * interval '1 second', 'usr_bench'
        from generate_series(1, ${n}) i`);
      await q(`insert into redemption_reversals (id, redemption_id, provider_id, amount_cents, kind, reversed_at, reversed_by)
        select 'rev_' || substr(id, 5), id, provider_id, amount_cents, 'void', booked_at + interval '1 hour', 'usr_bench'
        from redemptions where status = 'reversed'`);
      await q(`update redemptions set reversed_at = booked_at + interval '1 hour' where status = 'reversed'`);
      // budget = remaining + booked − reversed, with 30 € left on each approval.
      await q(`update approvals a set budget_cents = s.net + 3000, remaining_cents = 3000
        from (select approval_id, sum(case when status = 'booked' then amount_cents else 0 end) as net
              from redemptions group by approval_id) s where s.approval_id = a.id`);
      await q(`update approvals set budget_cents = 3000, remaining_cents = 3000 where budget_cents = 0`);
      await q(`insert into audit_log (at, actor_id, action, entity_type, entity_id, data)
        select booked_at, 'usr_bench', 'redemption.booked', 'redemption', id,
               jsonb_build_object('approvalId', approval_id, 'amountCents', amount_cents)
        from redemptions`);
      await q(`insert into audit_log (at, action, entity_type, entity_id)
        select created_at, 'approval.created', 'approval', id from approvals`);
      await q('vacuum analyze');
    });
    const clock = fixedClock('2026-11-21T01:00:00Z');
    const [settled, settleSeconds] = await timed(() =>
      runSettlement(database.db, { cutoffDate: '2026-11-21', triggeredBy: 'bench' }, clock),
    );
    const [lapse, lapseSeconds] = await timed(() =>
      runLapse(database.db, { asOf: '2026-11-21', triggeredBy: 'bench' }, systemActor(), clock),
    );
    const [sealed, sealSeconds] = await timed(() => sealAuditChain(database.db));
    await q('vacuum analyze');
    const counts = (
      await database.query<Record<string, number>>(
        `select (select count(*) from redemptions)::int as redemptions, (select count(*) from redemption_reversals)::int as reversals,
                (select count(*) from approvals)::int as approvals, (select count(*) from approval_lapses)::int as lapses,
                (select count(*) from settlement_lines)::int as lines, (select count(*) from audit_log)::int as audit`,
      )
    ).rows[0]!;
    const keys = await generateKeyRings();
    const loadAtProof = load();
    const [proof, proofSeconds] = await timed(() =>
      getPeriodProof(database.db, keys.proof, { from: '2026-01-01', to: '2026-12-31' }, clock),
    );
    const [, proofSecondsAgain] = await timed(() =>
      getPeriodProof(database.db, keys.proof, { from: '2026-01-01', to: '2026-12-31' }, clock),
    );
    // Where the time goes: the audit chain verification alone (the rest is the ledger recomputation and signing).
    const [, chainSeconds] = await timed(() =>
      database.db.transaction((tx) => verifyAuditChain(tx), {
        isolationLevel: 'repeatable read',
        accessMode: 'read only',
      }),
    );
    const errors = periodProofErrors(proof.payload);
    const held = (
      await database.query<{ remaining: string }>(
        'select sum(remaining_cents)::bigint as remaining from approvals where budget_cents is not null',
      )
    ).rows[0]!;
    if (errors.length > 0 || proof.payload.closingRemainingCents !== Number(held.remaining)) {
      throw new Error(
        `the proof does not add up: ${errors.join('; ')} closing ${proof.payload.closingRemainingCents} ≠ ${held.remaining}`,
      );
    }
    if (proof.payload.lapsedCents !== lapse.lapsedCents) throw new Error('lapsed total differs from the lapse run');
    const p = proof.payload;
    console.log({ counts, proofSeconds, proofSecondsAgain, chainSeconds, lapse, settleSeconds, sealSeconds });

    // --- booking rate, without and with the sealer ---------------------------------------------
    // Fresh approvals with a large budget, one per client slot, so the writers do not wait on each other's row.
    await q(`insert into approvals (id, beneficiary_id, benefit_type, legal_basis, cost_bearer, valid_from, valid_to,
                                    budget_cents, remaining_cents)
      select 'apv_rate_' || i, 'ben_' || i, 'participation', 'SGB_II', 'JOBCENTER', '2027-01-01', '2027-12-31',
             1000000000, 1000000000
      from generate_series(1, ${clients * 8}) i`);
    let sequence = 0;
    const bookFor = async (until: number) => {
      let count = 0;
      while (performance.now() < until) {
        const i = 1 + (sequence++ % (clients * 8));
        const key = `bench-${sequence}-${Math.random()}`;
        const outcome = await book(
          database.db,
          {
            approvalId: `apv_rate_${i}`,
            cardId: `card_${i}`,
            beneficiaryId: `ben_${i}`,
            benefitType: 'participation',
            serviceDate: '2027-01-05',
            amountCents: 100,
            meals: null,
            minutes: null,
            mealSlot: null,
            purpose: null,
          },
          { scope: `terminal:prv_${1 + (i % providerCount)}`, key, requestHash: key },
          { ...systemActor(), userId: 'usr_bench', providerId: `prv_${1 + (i % providerCount)}` },
          new Date('2027-01-05T10:00:00Z'),
        );
        if (!outcome) throw new Error('a bench booking was refused');
        count++;
      }
      return count;
    };
    const rate = async () => {
      const start = performance.now();
      const until = start + seconds * 1000;
      const counts = await Promise.all(Array.from({ length: clients }, () => bookFor(until)));
      return counts.reduce((s, c) => s + c, 0) / ((performance.now() - start) / 1000);
    };
    await rate(); // warm-up (connections, plans, caches), not counted
    await sealAuditChain(database.db);
    const loadAtRate = load();
    // Alternating rounds, so drift of the shared machine's load hits both sides alike.
    const without: number[] = [];
    const sealedRates: number[] = [];
    let tail = { sealed: 0, head: { chainSeq: 0, hash: '' } };
    for (let round = 0; round < 2; round++) {
      without.push(await rate());
      const sealer = startAuditSealer(database.db, console, 1000);
      sealedRates.push(await rate());
      await sealer.stop();
      tail = await sealAuditChain(database.db);
    }
    // Before the chain (release 1): the audit rows had no chain columns to index; the booking's audit insert
    // then maintained two indexes fewer (the unique \`chain_seq\` and the partial "unsealed" index).
    const beforeChain: number[] = [];
    await q('drop index audit_log_chain_seq_key');
    await q('drop index audit_log_unsealed_idx');
    beforeChain.push(await rate());
    await q('create unique index audit_log_chain_seq_key on audit_log (chain_seq)');
    await q('create index audit_log_unsealed_idx on audit_log (id) where chain_seq is null');
    await sealAuditChain(database.db);
    const referenceAfter = await rate(); // with the indexes again, no sealer: drift check for the round before
    await sealAuditChain(database.db);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const withoutSealer = mean(without);
    const withSealer = mean(sealedRates);
    console.log({ without, sealedRates, beforeChain, tail });

    const pgVersion = (await database.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v;
    const fmt = (x: number) => x.toLocaleString('en');
    const eur = (c: number) => `${(c / 100).toLocaleString('en', { minimumFractionDigits: 2 })} €`;
    writeBenchmarkSection(
      'proof',
      `## Signed period proof over 1 M redemptions, and the booking rate with the audit chain sealer (\`pnpm bench proof\`)

${machineLine()}; PostgreSQL ${pgVersion} on the same machine, scratch database. Data generated set-based with
\`generate_series\` in ${generateSeconds.toFixed(0)} s, then the real nightly settlement (${settleSeconds.toFixed(1)} s,
${fmt(settled.batchCount)} batches), the real lapse run (${lapseSeconds.toFixed(1)} s) and the audit chain sealed
(${fmt(sealed.sealed)} rows in ${sealSeconds.toFixed(1)} s).

Rows: ${fmt(counts.redemptions!)} redemptions (${fmt(counts.reversals!)} reversed), ${fmt(counts.approvals!)} approvals,
${fmt(counts.lapses!)} lapse entries (${eur(lapse.lapsedCents)}), ${fmt(counts.lines!)} settlement lines,
${fmt(counts.audit!)} audit rows in the chain.

| what | time |
|---|---|
| \`getPeriodProof\` 2026-01-01 … 2026-12-31 (seal, recompute every figure from the ledger, verify the whole audit chain, sign) | **${proofSeconds.toFixed(1)} s** |
| the same again (warm cache) | ${proofSecondsAgain.toFixed(1)} s |
| of which: verifying the whole audit chain alone (${fmt(counts.audit!)} rows, \`verifyAuditChain\`) | ${chainSeconds.toFixed(1)} s |

Load average when the proof started: ${loadAtProof} (other helpers share the 2 cores). The proof adds up:
opening ${eur(p.openingRemainingCents)} + approved ${eur(p.approvedCents)} − booked ${eur(p.bookedCents)} + reversed
${eur(p.reversedCents)} − lapsed ${eur(p.lapsedCents)} = closing ${eur(p.closingRemainingCents)}, equal to the sum of the
approvals' balances; its lapsed figure equals the lapse run's total.

### Booking rate before and after the audit chain

The booking statement itself is unchanged by the chain (ADR 0023: no hash inside the booking transaction). What the
chain costs a booking: its audit insert maintains two more indexes (the unique \`chain_seq\`, the partial index of
unsealed rows), and the sealer reads and updates audit rows while bookings insert them. "Before the chain" drops the
two indexes (as in release 1) for one round. Measured through the ledger's
\`book()\` (the one booking statement of the terminal) with ${clients} concurrent writers for ${seconds} s each, on the
same database; the sealer ran every second (production: every 5 s). Load average at the start: ${loadAtRate}.

| run (after a warm-up round; the last two rows alternate, two rounds each) | bookings/s (mean) | rounds |
|---|---|---|
| before the chain: the audit log without its two chain indexes, no sealer (one round, after the others) | ${mean(beforeChain).toFixed(0)} | 1 |
| reference right after it: chain indexes back, no sealer | ${referenceAfter.toFixed(0)} | 1 |
| without the sealer | ${withoutSealer.toFixed(0)} | ${without.map((r) => r.toFixed(0)).join(', ')} |
| with the sealer running every second | ${withSealer.toFixed(0)} | ${sealedRates.map((r) => r.toFixed(0)).join(', ')} |

With the sealer running every second the rate was ${((100 * (withoutSealer - withSealer)) / withoutSealer).toFixed(0)} % lower (production: every 5 s); before the chain
${((100 * (mean(beforeChain) - referenceAfter)) / referenceAfter).toFixed(0)} % above the reference round right after it. Two rounds of the same setting differed by
${((100 * (Math.max(...without) - Math.min(...without))) / withoutSealer).toFixed(0)} % on this shared machine, so differences below that are noise, not an effect of the chain.
Verifying the audit chain alone takes ${((100 * chainSeconds) / proofSeconds).toFixed(0)} % of the proof's time (one sha256 per row, in pages of
10,000); recomputing the figures from the ledger is the rest.
When the sealer stopped, ${fmt(tail.sealed)} rows were still unsealed (sealed right after; chain head ${fmt(tail.head.chainSeq)}).`,
    );
  } finally {
    await scratch.drop();
  }
}
