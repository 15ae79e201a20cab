import os from 'node:os';
import { parseArgs } from 'node:util';
import { generateKeyRings } from '@tk/api/lib/keys.ts';
import { getPeriodProof } from '@tk/api/modules/reports/period-proof.service.ts';
import { providerSpendReport, reimbursementReport, takeUpReport } from '@tk/api/modules/reports/reports.service.ts';
import { runSettlement } from '@tk/api/modules/settlement/settlement.run.ts';
import { fixedClock } from '@tk/core';
import { scratchDatabase } from '../proofs/harness.ts';
import { machineLine, writeBenchmarkSection } from './report.ts';

/**
 * `pnpm bench land [--children 400000] [--history 20000000] [--day 1000000] [--providers 5000]`:
 * a Land-sized scratch database on the PostgreSQL server (BENCH_DATABASE_URL, default the local
 * server; name prefix BENCH_DATABASE_PREFIX), generated set-based with `generate_series` on the server:
 * children with cards, ≈ 2.5 approvals each, `--history` redemptions over the year 2025-12 … 2026-11
 * settled and paid in monthly runs (one line each), then `--day` bookings of 2026-12-01. Measures
 * every report over a month and over the year, the signed period proof over the year, and the
 * nightly run of the day next to the reference (a bare logged INSERT … SELECT of one row per booking
 * into a table with a unique index). Dropped at the end.
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      children: { type: 'string', default: '400000' },
      history: { type: 'string', default: '20000000' },
      day: { type: 'string', default: '1000000' },
      providers: { type: 'string', default: '5000' },
    },
  });
  const children = Number(values.children);
  const history = Number(values.history);
  const day = Number(values.day);
  const providers = Number(values.providers);
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const prefix = process.env.BENCH_DATABASE_PREFIX ?? 'tk_';
  const scratch = await scratchDatabase(serverUrl, `${prefix}bench_land`, { poolSize: 4 });
  const database = scratch.database;
  const q = (text: string) => database.query(text);
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const result = await fn();
    return [result, (performance.now() - start) / 1000];
  };
  const steps: { what: string; seconds: number; note?: string }[] = [];
  const step = async (what: string, sqlText: string) => {
    const [, seconds] = await timed(() => q(sqlText));
    steps.push({ what, seconds });
    console.log(`${what}: ${seconds.toFixed(1)} s (load ${load()})`);
  };
  try {
    const loadAtStart = load();
    // --- generation, all on the server ---------------------------------------------------------
    await step(
      `${providers} providers`,
      `insert into providers (id, name, category, status, benefit_types, account_holder, iban, town)
       select 'prv_' || i, 'Anbieter ' || i, 'club', 'approved', '{participation,lunch,tutoring}', 'Anbieter ' || i,
              'DE89370400440532013000', 'Stadt ' || (i % 50)
       from generate_series(1, ${providers}) i`,
    );
    await step(
      `${children} children`,
      `insert into beneficiaries (id, given_name, family_name, birth_date, case_reference)
       select 'ben_' || i, 'Kind', 'Nr' || i, date '2010-01-01' + (i % 4000), 'AZ-' || i
       from generate_series(1, ${children}) i`,
    );
    await step(
      `${children} cards`,
      `insert into cards (id, beneficiary_id, card_number, qr_token, key_id)
       select 'card_' || i, 'ben_' || i, lpad(i::text, 16, '0'), 'x', 'k' from generate_series(1, ${children}) i`,
    );
    // Participation and lunch for every child, tutoring for every second: 2.5 approvals per child.
    await step(
      `${Math.round(children * 2.5)} approvals`,
      `insert into approvals (id, beneficiary_id, benefit_type, legal_basis, cost_bearer, valid_from, valid_to,
                              budget_cents, remaining_cents, created_at)
       select 'apv_' || k || '_' || i, 'ben_' || i, (array['participation','lunch','tutoring'])[k],
              (array['SGB_II','SGB_XII_3','BKGG_KIZ','ASYLBLG'])[1 + i % 4], 'JOBCENTER',
              '2025-12-01', '2026-12-31',
              case k when 2 then null else 1000000 end, case k when 2 then null else 1000000 end,
              timestamptz '2025-11-15 09:00+01'
       from generate_series(1, ${children}) i, generate_series(1, 3) k
       where k < 3 or i % 2 = 0`,
    );
    // The year's redemptions, evenly over 2025-12-01 … 2026-11-30 (participation, one approval per child).
    const yearSeconds = 365 * 86400;
    await step(
      `${history.toLocaleString('en')} historical redemptions`,
      `insert into redemptions (id, provider_id, approval_id, beneficiary_id, card_id, benefit_type, service_date,
                                amount_cents, booked_at, booked_by)
       select 'rdm_' || i, 'prv_' || (1 + i % ${providers}), 'apv_1_' || (1 + i % ${children}),
              'ben_' || (1 + i % ${children}), 'card_' || (1 + i % ${children}), 'participation',
              (timestamptz '2025-12-01 08:00+01' + (i::bigint * ${yearSeconds} / ${history}) * interval '1 second')::date,
              100 + i % 900,
              timestamptz '2025-12-01 08:00+01' + (i::bigint * ${yearSeconds} / ${history}) * interval '1 second',
              'usr_bench'
       from generate_series(1, ${history}) i`,
    );
    // Monthly runs (cutoff the 1st of the next month), one paid batch per provider and month, one line per redemption.
    await step(
      '12 monthly runs',
      `insert into settlement_runs (id, cutoff_date, status, triggered_by, started_at, finished_at)
       select 'run_' || to_char(m, 'YYYYMM'), (m + interval '1 month')::date, 'completed', 'bench', m + interval '1 month', m + interval '1 month'
       from generate_series(date '2025-12-01', date '2026-11-01', interval '1 month') m`,
    );
    await step(
      `${(providers * 12).toLocaleString('en')} paid batches`,
      `insert into settlement_batches (id, number, run_id, provider_id, cutoff_date, period_from, period_to,
                                       total_cents, line_count, status, paid_at, paid_on)
       select 'stl_' || to_char(m, 'YYYYMM') || '_' || p, 'ABR-' || to_char(m, 'YYYYMM') || '-' || p,
              'run_' || to_char(m, 'YYYYMM'), 'prv_' || p, (m + interval '1 month')::date, m::date,
              (m + interval '1 month - 1 day')::date, 0, 0, 'paid', m + interval '1 month 5 days',
              (m + interval '1 month 5 days')::date
       from generate_series(date '2025-12-01', date '2026-11-01', interval '1 month') m, generate_series(1, ${providers}) p`,
    );
    await step(
      `${history.toLocaleString('en')} settlement lines`,
      `insert into settlement_lines (batch_id, kind, redemption_id, card_ref, service_date, booked_at, benefit_type,
                                     legal_basis, cost_bearer, amount_cents)
       select 'stl_' || to_char(r.booked_at at time zone 'Europe/Berlin', 'YYYYMM') || '_' || substr(r.provider_id, 5),
              'redemption', r.id, '…0000', r.service_date, r.booked_at, r.benefit_type,
              (array['SGB_II','SGB_XII_3','BKGG_KIZ','ASYLBLG'])[1 + substr(r.beneficiary_id, 5)::int % 4], 'JOBCENTER',
              r.amount_cents
       from redemptions r`,
    );
    await step(
      'batch totals',
      `update settlement_batches b set total_cents = s.total, line_count = s.n
       from (select batch_id, sum(amount_cents) as total, count(*) as n from settlement_lines group by batch_id) s
       where s.batch_id = b.id`,
    );
    await step(
      'balances',
      `update approvals a set remaining_cents = a.remaining_cents - s.booked
       from (select approval_id, sum(amount_cents) as booked from redemptions group by approval_id) s
       where s.approval_id = a.id`,
    );
    // Everything so far is settled: the window of the next run starts after this transaction.
    await step(
      'run window',
      `update settlement_runs set unsettled_from_txid = pg_current_xact_id()::text::bigint + 1 where id = 'run_202611'`,
    );
    await step(
      `${day.toLocaleString('en')} bookings of 2026-12-01`,
      `insert into redemptions (id, provider_id, approval_id, beneficiary_id, card_id, benefit_type, service_date,
                                amount_cents, booked_at, booked_by)
       select 'rdm_d' || i, 'prv_' || (1 + i % ${providers}), 'apv_1_' || (1 + i % ${children}),
              'ben_' || (1 + i % ${children}), 'card_' || (1 + i % ${children}), 'participation', date '2026-12-01',
              100 + i % 900, timestamptz '2026-12-01 07:00+01' + (i % 50000) * interval '1 second', 'usr_bench'
       from generate_series(1, ${day}) i`,
    );
    await step('vacuum analyze', 'vacuum analyze');
    const sizes = (
      await database.query<{ t: string; s: string }>(
        `select relname as t, pg_size_pretty(pg_total_relation_size(oid)) as s from pg_class
         where relname in ('redemptions', 'settlement_lines', 'approvals') order by relname`,
      )
    ).rows;

    // --- reports -----------------------------------------------------------------------------
    const reports: { what: string; seconds: number }[] = [];
    const report = async (what: string, fn: () => Promise<unknown>) => {
      await fn(); // warm the cache once: the figure is the steady state a user sees on repeat
      const [, seconds] = await timed(fn);
      reports.push({ what, seconds });
      console.log(`${what}: ${seconds.toFixed(2)} s (load ${load()})`);
    };
    const db = database.db;
    await report('reimbursement, one month (2026-11)', () => reimbursementReport(db, '2026-11-01', '2026-11-30'));
    await report('reimbursement, the year', () => reimbursementReport(db, '2025-12-01', '2026-11-30'));
    await report('take-up, one month', () => takeUpReport(db, '2026-11-01', '2026-11-30'));
    await report('take-up, the year', () => takeUpReport(db, '2025-12-01', '2026-11-30'));
    await report('provider spend, one month', () => providerSpendReport(db, '2026-11-01', '2026-11-30'));
    await report('provider spend, the year', () => providerSpendReport(db, '2025-12-01', '2026-11-30'));
    const keys = await generateKeyRings();
    const [, proofSeconds] = await timed(() =>
      getPeriodProof(db, keys.proof, { from: '2025-12-01', to: '2026-11-30' }, fixedClock('2026-12-01T10:00:00Z')),
    );
    console.log(`period proof over the year: ${proofSeconds.toFixed(1)} s`);

    // --- the nightly run of the day, with the reference in the same run ------------------------
    await q(
      'create table bench_records (redemption_id text not null, provider_id text not null, amount_cents int not null)',
    );
    await q('create unique index bench_records_redemption_key on bench_records (redemption_id)');
    await q('checkpoint');
    const [, recordSeconds] = await timed(() =>
      q(`insert into bench_records select id, provider_id, amount_cents from redemptions
         where booked_at >= timestamptz '2026-12-01 00:00+01' and booked_at < timestamptz '2026-12-02 00:00+01'`),
    );
    await q('drop table bench_records');
    await q('checkpoint');
    const loadAtRun = load();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const [result, runSeconds] = await timed(() =>
      runSettlement(db, { cutoffDate: '2026-12-02', triggeredBy: 'bench' }, fixedClock('2026-12-02T01:00:00Z')),
    );
    clearInterval(sampler);
    const check = (
      await database.query<{ lines: number }>(
        `select count(*)::int as lines from settlement_lines l join settlement_batches b on b.id = l.batch_id
         where b.run_id = '${result.id}'`,
      )
    ).rows[0]!;
    if (check.lines !== day) throw new Error(`the nightly run settled ${check.lines} of ${day}`);
    console.log(`nightly run: ${runSeconds.toFixed(1)} s, reference ${recordSeconds.toFixed(1)} s`);

    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    const n = (x: number) => x.toLocaleString('en');
    const pgVersion = (await database.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v;
    writeBenchmarkSection(
      'land',
      `## Land scale (\`pnpm bench land\`)

${machineLine()}; PostgreSQL ${pgVersion} on the same machine (default settings), scratch database.
Command: \`pnpm bench land --children ${children} --history ${history} --day ${day} --providers ${providers}\`.
Load average at the start: ${loadAtStart} (1 / 5 / 15 min; the machine is shared with other sessions).

Generated set-based on the server (\`generate_series\`): ${n(providers)} providers, ${n(children)} children with cards,
${n(Math.round(children * 2.5))} approvals, ${n(history)} redemptions over 2025-12-01 … 2026-11-30 settled in 12 monthly runs
(${n(providers * 12)} paid batches, one line each), then ${n(day)} bookings of 2026-12-01.
Sizes: ${sizes.map((s) => `${s.t} ${s.s}`).join(', ')}.

| generation step | time |
|---|---|
${steps.map((s) => `| ${s.what} | ${s.seconds.toFixed(1)} s |`).join('\n')}

| report (service call as the endpoint makes it, second call) | time | target |
|---|---|---|
${reports.map((r) => `| ${r.what} | ${r.seconds < 2 ? '' : '**'}${r.seconds.toFixed(2)} s${r.seconds < 2 ? '' : '**'} | ≤ 2 s |`).join('\n')}
| signed period proof over the year (seals the audit chain, recomputes the ledger) | ${proofSeconds.toFixed(1)} s | — |

| nightly run of the day | time |
|---|---|
| the real run (\`runSettlement\`, cutoff 2026-12-02): ${n(result.batchCount)} batches, ${n(check.lines)} lines | **${runSeconds.toFixed(1)} s** |
| reference: bare logged \`INSERT … SELECT\` of the day's rows into a table with a unique index | ${recordSeconds.toFixed(1)} s |
| ratio | ${(runSeconds / recordSeconds).toFixed(1)}× |

Load average when the run started: ${loadAtRun}. Node RSS ${mb(rssBefore)} before, peak ${mb(peakRss)} during the run.
The run looks only at the rows written since the last run's \`unsettled_from_txid\` (ADR 0031), not at the
${n(history)} settled ones.`,
    );
  } finally {
    await scratch.drop();
  }
}
