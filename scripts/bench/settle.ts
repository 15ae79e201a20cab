import os from 'node:os';
import { parseArgs } from 'node:util';
import { runSettlement } from '@tk/api/modules/settlement/settlement.run.ts';
import { fixedClock } from '@tk/core';
import { scratchDatabase } from '../proofs/harness.ts';

import { machineLine, writeBenchmarkSection } from './report.ts';

/**
 * `pnpm bench settle [--redemptions 1000000] [--providers 5000] [--children 100000]`: the nightly
 * settlement over a scratch PostgreSQL database (BENCH_DATABASE_URL, default the local server), next to
 * a bare `INSERT … SELECT … GROUP BY` over the same rows. Rows are generated set-based in SQL.
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      redemptions: { type: 'string', default: '1000000' },
      providers: { type: 'string', default: '5000' },
      children: { type: 'string', default: '100000' },
    },
  });
  const n = Number(values.redemptions);
  const providerCount = Number(values.providers);
  const childCount = Number(values.children);
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  // A migrated scratch database of its own, dropped at the end.
  const scratch = await scratchDatabase(serverUrl, `${process.env.BENCH_DATABASE_PREFIX ?? 'tk_'}bench_settle`, {
    poolSize: 4,
  });
  const database = scratch.database;
  const q = (text: string) => database.query(text);
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const result = await fn();
    return [result, (performance.now() - start) / 1000];
  };
  try {
    console.log(`generating ${n} redemptions over ${providerCount} providers and ${childCount} children …`);
    const [, generateSeconds] = await timed(async () => {
      await q(`insert into providers (id, name, category, status, benefit_types, account_holder, iban, town)
        select 'prv_' || i, 'Anbieter ' || i, 'club', 'approved', '{participation}', 'Anbieter ' || i, 'DE89370400440532013000', 'Hamm'
        from generate_series(1, ${providerCount}) i`);
      await q(`insert into beneficiaries (id, given_name, family_name, birth_date, case_reference)
        select 'ben_' || i, 'Kind', 'Nr' || i, '2015-01-01', 'AZ-' || i from generate_series(1, ${childCount}) i`);
      await q(`insert into cards (id, beneficiary_id, card_number, qr_token, key_id)
        select 'card_' || i, 'ben_' || i, lpad(i::text, 16, '0'), 'x', 'k' from generate_series(1, ${childCount}) i`);
      await q(`insert into approvals (id, beneficiary_id, benefit_type, legal_basis, cost_bearer, valid_from, valid_to)
        select 'apv_' || i, 'ben_' || i, 'participation',
               (array['SGB_II','SGB_XII_3','BKGG_KIZ','ASYLBLG'])[1 + i % 4], 'JOBCENTER', '2026-01-01', '2026-12-31'
        from generate_series(1, ${childCount}) i`);
      await q(`insert into redemptions (id, provider_id, approval_id, beneficiary_id, card_id, benefit_type, service_date,
                                        amount_cents, booked_at, booked_by)
        select 'rdm_' || i, 'prv_' || (1 + i % ${providerCount}), 'apv_' || (1 + i % ${childCount}),
               'ben_' || (1 + i % ${childCount}), 'card_' || (1 + i % ${childCount}), 'participation',
               date '2026-11-01' + (i % 20), 100 + i % 900,
               timestamptz '2026-11-01 08:00+01' + (i % 1728000) * interval '1 second', 'usr_bench'
        from generate_series(1, ${n}) i`);
      await q('vacuum analyze');
    });
    const [[expected]] = await timed(
      async () =>
        (
          await database.query<{ total: number; count: number }>(
            'select sum(amount_cents)::bigint as total, count(*)::int as count from redemptions',
          )
        ).rows,
    );

    // The bare aggregate: one INSERT … SELECT … GROUP BY over the same unsettled rows (the floor).
    await q('create table bench_totals (provider_id text, total_cents bigint, line_count int)');
    const [, bareSeconds] = await timed(() =>
      q(`insert into bench_totals
         select provider_id, sum(amount_cents), count(*) from redemptions
         where status = 'booked'
           and booked_at < (date '2026-11-21')::timestamp at time zone 'Europe/Berlin'
         group by provider_id`),
    );
    // The reference (issue 15): a bare logged INSERT … SELECT recording one row per redemption into a
    // table with a unique index on the redemption id: the least any exactly-once design must write.
    await q(
      'create table bench_records (redemption_id text not null, provider_id text not null, amount_cents int not null)',
    );
    await q('create unique index bench_records_redemption_key on bench_records (redemption_id)');
    await q('checkpoint');
    const [, recordSeconds] = await timed(() =>
      q(`insert into bench_records select id, provider_id, amount_cents from redemptions
         where status = 'booked'
           and booked_at < (date '2026-11-21')::timestamp at time zone 'Europe/Berlin'`),
    );
    await q('drop table bench_records');
    // For context: copying every row once into an unindexed table (the irreducible write volume).
    await q('create unlogged table bench_lines (batch_id text, redemption_id text, amount_cents int)');
    const [, copySeconds] = await timed(() =>
      q(`insert into bench_lines select provider_id, id, amount_cents from redemptions
         where status = 'booked'
           and booked_at < (date '2026-11-21')::timestamp at time zone 'Europe/Berlin'`),
    );
    await q('drop table bench_lines');
    await q('checkpoint');

    const loadAtRun = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const [result, runSeconds] = await timed(() =>
      runSettlement(
        database.db,
        { cutoffDate: '2026-11-21', triggeredBy: 'bench' },
        fixedClock('2026-11-21T01:00:00Z'),
      ),
    );
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const check = (
      await database.query<{ lines: number; total: number; batches: number; bad: number }>(
        `select (select count(*) from settlement_lines)::int as lines,
                (select sum(total_cents) from settlement_batches)::bigint as total,
                (select count(*) from settlement_batches)::int as batches,
                (select count(*) from redemptions r where not exists
                  (select 1 from settlement_lines l where l.redemption_id = r.id))::int as bad`,
      )
    ).rows[0]!;
    if (check.lines !== expected!.count || Number(check.total) !== Number(expected!.total) || check.bad !== 0) {
      throw new Error(`settlement does not reconcile: ${JSON.stringify({ check, expected })}`);
    }
    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    const ratio = runSeconds / bareSeconds;
    const recordRatio = runSeconds / recordSeconds;
    const figures = {
      redemptions: n,
      providers: providerCount,
      batches: result.batchCount,
      runSeconds: runSeconds.toFixed(2),
      bareSeconds: bareSeconds.toFixed(2),
      copySeconds: copySeconds.toFixed(2),
      recordSeconds: recordSeconds.toFixed(2),
      recordRatio: recordRatio.toFixed(1),
      ratio: ratio.toFixed(1),
      rssBefore: mb(rssBefore),
      peakRss: mb(peakRss),
    };
    console.log(figures);
    const pgVersion = (await database.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v;
    const fsync = (await database.query<{ fsync: string }>('show fsync')).rows[0]?.fsync;
    writeBenchmarkSection(
      'settle',
      `## Nightly settlement (\`pnpm bench settle\`)

${machineLine()}; PostgreSQL ${pgVersion} on the same machine (fsync ${fsync}), scratch database.
Data generated set-based with \`generate_series\` in ${generateSeconds.toFixed(0)} s: ${n.toLocaleString('en')} redemptions
over ${providerCount.toLocaleString('en')} providers and ${childCount.toLocaleString('en')} children (approvals, cards).

| what | time |
|---|---|
| the real run (\`runSettlement\`, one transaction): ${result.batchCount.toLocaleString('en')} batches, ${check.lines.toLocaleString('en')} lines (one record per settled booking, ADR 0031) | **${figures.runSeconds} s** |
| **reference**: bare logged \`INSERT … SELECT\` of one row per redemption into a table with a unique index on the redemption id | ${figures.recordSeconds} s |
| ratio real run / reference (target ≤ 5×) | **${figures.recordRatio}×** |
| for context: bare \`INSERT … SELECT … GROUP BY provider_id\` over the same rows (totals only) | ${figures.bareSeconds} s |
| for context: bare \`INSERT … SELECT\` copying every row once into an unlogged, unindexed table | ${figures.copySeconds} s |

Load average when the run started: ${loadAtRun} (1 / 5 / 15 min; the machine is shared with other sessions, which compete for the 2 cores).

Node process RSS: ${figures.rssBefore} before the run, peak ${figures.peakRss} during it (sampled every 20 ms):
only per-provider aggregates (≤ ${providerCount.toLocaleString('en')} rows) reach Node, so memory stays flat whatever the number of redemptions.
Totals reconcile: the lines sum to the redemptions' total to the cent, and no redemption is left without its line.

Since ADR 0031 the run writes each settled booking once: its line (the unique index on
\`settlement_lines.redemption_id\` is the exactly-once record); the \`UPDATE redemptions SET batch_id\` (a non-HOT
update adding an entry to every index of \`redemptions\`, ≈ 16 s of the former 52 s) is gone. What the run writes beyond
the reference: the line's wider row (card reference, service date, benefit, legal basis, cost bearer, joined from
\`approvals\` and \`cards\`), its second index (\`settlement_lines_batch_idx\`) and the speculative insertion of
\`ON CONFLICT\`. There is no foreign key on \`settlement_lines.batch_id\` (ADR 0031: the batch is created in the same
transaction, so its per-line check bought nothing) and no surrogate key (ADR 0035: no sequence, no third index entry).`,
    );
  } finally {
    await scratch.drop();
  }
}
