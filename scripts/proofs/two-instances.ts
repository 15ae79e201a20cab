import { randomUUID } from 'node:crypto';
import { addDays, berlinDate } from '@tk/core';
import { queryRows } from '@tk/db';
import { sql } from 'drizzle-orm';
import { generateKeyRings } from '../../services/api/src/lib/keys.ts';
import { formatReport, verifyInvariants } from '../../services/api/src/modules/admin/verify.service.ts';
import { makeChildWithCard, makeProvider } from '../../services/api/test/factories.ts';
import { machineLine, writeReliabilitySection } from '../bench/report.ts';
import {
  apiServer,
  arg,
  createUser,
  DEFAULT_SERVER_URL,
  freePort,
  login,
  proofKeys,
  scratchDatabase,
} from './harness.ts';

/**
 * Two API processes on one PostgreSQL database: the 200-way concurrency test split across both still
 * books exactly 50; idempotent replays across instances book once; settlement runs started on both at
 * once produce one set of batches; with both schedulers on, the nightly job fires once per slot.
 * Usage: tsx scripts/proofs/two-instances.ts [--db URL] [--cron-wait-seconds 100]
 */
const serverUrl = arg('db', process.env.PROOF_DATABASE_URL ?? DEFAULT_SERVER_URL);
const cronWait = Number(arg('cron-wait-seconds', '100'));

async function main() {
  const started = Date.now();
  const scratch = await scratchDatabase(serverUrl, 'tk_two');
  const { db } = scratch.database;
  const checks: { name: string; expected: string; observed: string; ok: boolean }[] = [];
  try {
    const keys = await generateKeyRings();
    const today = berlinDate(new Date());
    const period = { validFrom: addDays(today, -30), validTo: addDays(today, 365) };
    const provider = await makeProvider(db);
    const contested = await makeChildWithCard(db, keys, { budgetCents: 5000, ...period });
    const replayed = await makeChildWithCard(db, keys, { budgetCents: 100_000, ...period });
    const staff = await createUser(db, 'provider_staff', provider.id);
    const accountant = await createUser(db, 'accounting', null);
    const env = { ...(await proofKeys()), SCHEDULER: 'true', SETTLEMENT_CRON: '* * * * *' };
    const a = apiServer(scratch.url, await freePort(), env);
    const b = apiServer(scratch.url, await freePort(), env);
    await Promise.all([a.start(), b.start()]);
    const tokenA = await login(a.baseUrl, staff);
    const tokenB = await login(b.baseUrl, staff);

    const redeem = (base: string, token: string, key: string, body: unknown) =>
      fetch(`${base}/api/v1/terminal/redemptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
        body: JSON.stringify(body),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { id?: string; code?: string } }));

    // 1. 200 bookings of 1,00 € against 50,00 €, half through each instance.
    const body = { code: contested.card.cardNumber, approvalId: contested.approval.id, amountCents: 100 };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 ? redeem(a.baseUrl, tokenA, randomUUID(), body) : redeem(b.baseUrl, tokenB, randomUUID(), body),
      ),
    );
    const booked = results.filter((r) => r.status === 201).length;
    const declined = results.filter((r) => r.status === 409 && r.body.code === 'insufficient_budget').length;
    const [balance] = await queryRows<{ remaining: number }>(
      db,
      sql`select remaining_cents as remaining from approvals where id = ${contested.approval.id}`,
    );
    checks.push({
      name: '200 parallel bookings of 1,00 € against 50,00 € across two instances',
      expected: '50 booked, 150 insufficient_budget, balance 0',
      observed: `${booked} booked, ${declined} insufficient_budget, balance ${balance!.remaining}`,
      ok: booked === 50 && declined === 150 && balance!.remaining === 0,
    });

    // 2. 50 replays of one key, split across both instances.
    const key = randomUUID();
    const replayBody = { code: replayed.card.cardNumber, approvalId: replayed.approval.id, amountCents: 250 };
    const replays = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 ? redeem(a.baseUrl, tokenA, key, replayBody) : redeem(b.baseUrl, tokenB, key, replayBody),
      ),
    );
    const ids = new Set(replays.map((r) => r.body.id));
    const [stored] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from redemptions where idempotency_key = ${key}`,
    );
    checks.push({
      name: '50 parallel replays of one Idempotency-Key across two instances',
      expected: '1 booking, every answer 200/201 with the same id',
      observed: `${stored!.n} booking(s), ${ids.size} distinct id(s), statuses ${[...new Set(replays.map((r) => r.status))].join('/')}`,
      ok: stored!.n === 1 && ids.size === 1 && replays.every((r) => r.status === 200 || r.status === 201),
    });

    // 3. The nightly job with both schedulers on (cron every minute): one run per slot, one set of batches.
    const deadline = Date.now() + cronWait * 1000;
    let runs: { n: number; batches: number }[] = [{ n: 0, batches: 0 }];
    while (Date.now() < deadline) {
      runs = await queryRows(
        db,
        sql`select count(*)::int as n, coalesce(sum(batch_count), 0)::int as batches from settlement_runs`,
      );
      if (runs[0]!.n >= 1) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    await new Promise((r) => setTimeout(r, 5000)); // give a duplicate the chance to show itself
    const [afterCron] = await queryRows<{ runs: number; slots: number; batches: number; lines: number; rdm: number }>(
      db,
      sql`select (select count(*)::int from settlement_runs where triggered_by = 'scheduler') as runs,
                 (select count(distinct date_trunc('minute', started_at))::int from settlement_runs where triggered_by = 'scheduler') as slots,
                 (select count(*)::int from settlement_batches) as batches,
                 (select count(*)::int from settlement_lines) as lines,
                 (select count(*)::int from redemptions where status = 'booked') as rdm`,
    );
    checks.push({
      name: `nightly job scheduled on both instances (cron every minute, waited up to ${cronWait} s)`,
      expected: "exactly one scheduled run (once per cutoff), which leaves today's bookings for the next night",
      observed: `${afterCron!.runs} scheduled run(s) in ${afterCron!.slots} slot(s), ${afterCron!.batches} batch(es), ${afterCron!.lines} lines for ${afterCron!.rdm} bookings`,
      ok: afterCron!.runs === 1 && afterCron!.slots === 1 && afterCron!.lines === 0,
    });

    // 4. Manual runs started on both instances at the same moment: one set of batches.
    const more = await Promise.all(
      Array.from({ length: 10 }, () => redeem(a.baseUrl, tokenA, randomUUID(), { ...replayBody, amountCents: 10 })),
    );
    const accA = await login(a.baseUrl, accountant);
    const accB = await login(b.baseUrl, accountant);
    const cutoffDate = addDays(today, 1);
    const runOn = (base: string, token: string) =>
      fetch(`${base}/api/v1/settlements/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ cutoffDate }),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { batchCount?: number } }));
    const [runA, runB] = await Promise.all([runOn(a.baseUrl, accA), runOn(b.baseUrl, accB)]);
    const [after] = await queryRows<{ unsettled: number; lines: number }>(
      db,
      sql`select (select count(*)::int from redemptions r where status = 'booked'
                   and not exists (select 1 from settlement_lines l where l.redemption_id = r.id)) as unsettled,
                 (select count(*)::int from settlement_lines where redemption_id is not null) as lines`,
    );
    const batchCounts = [runA.body.batchCount ?? -1, runB.body.batchCount ?? -1].sort();
    checks.push({
      name: 'two manual settlement runs started at once on both instances',
      expected: 'both 201; one creates the batch, the other finds nothing; no booking unsettled or settled twice',
      observed: `statuses ${runA.status}/${runB.status}, batch counts ${batchCounts.join('/')}, ${after!.unsettled} unsettled, ${after!.lines} lines for ${more.filter((r) => r.status === 201).length + 51} bookings`,
      ok:
        runA.status === 201 &&
        runB.status === 201 &&
        batchCounts[0] === 0 &&
        batchCounts[1] === 1 &&
        after!.unsettled === 0,
    });

    await Promise.all([a.stop(), b.stop()]);
    const report = await verifyInvariants(db);
    if (!report.ok) console.log(formatReport(report));
    checks.push({
      name: 'invariant checker afterwards',
      expected: 'passed',
      observed: report.ok ? 'passed' : 'FAILED',
      ok: report.ok,
    });
  } finally {
    await scratch.drop();
  }
  const ok = checks.every((c) => c.ok);
  const table = checks
    .map((c) => `| ${c.name} | ${c.expected} | ${c.observed} | ${c.ok ? 'ok' : '**FAILED**'} |`)
    .join('\n');
  writeReliabilitySection(
    'two-instances',
    `## Two API instances on one PostgreSQL

Command: \`pnpm --filter @tk/scripts exec tsx proofs/two-instances.ts\` (CI runs it). Machine: ${machineLine()}.
Duration ${((Date.now() - started) / 1000).toFixed(0)} s. Result: **${ok ? 'passed' : 'FAILED'}**.

| check | expected | observed | |
|---|---|---|---|
${table}
`,
  );
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.observed}`);
  process.exit(ok ? 0 : 1);
}

await main();
