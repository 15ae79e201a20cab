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
 * Crash test: ≥ 10,000 bookings at concurrency 32 against a real API process on PostgreSQL, killed
 * with SIGKILL at random moments and restarted. Afterwards every booking a client saw acknowledged
 * exists, none exists twice, and the invariant checker passes. Then the nightly run is killed
 * mid-way several times and rerun. Usage: tsx scripts/proofs/crash.ts [--bookings N] [--kills K] [--db URL]
 */
const TARGET = Number(arg('bookings', '10000'));
const KILLS = Number(arg('kills', '5'));
const CONCURRENCY = Number(arg('concurrency', '32'));
const serverUrl = arg('db', process.env.PROOF_DATABASE_URL ?? DEFAULT_SERVER_URL);

interface Op {
  key: string;
  body: { code: string; approvalId: string; amountCents: number };
}

async function main() {
  const started = Date.now();
  const scratch = await scratchDatabase(serverUrl, 'tk_crash');
  const { db } = scratch.database;
  let failed = false;
  try {
    const keys = await generateKeyRings();
    const today = berlinDate(new Date());
    const provider = await makeProvider(db);
    const children: Awaited<ReturnType<typeof makeChildWithCard>>[] = [];
    for (let i = 0; i < 64; i++) {
      children.push(
        await makeChildWithCard(db, keys, {
          budgetCents: 5_000_000,
          validFrom: addDays(today, -30),
          validTo: addDays(today, 365),
        }),
      );
    }
    const username = await createUser(db, 'provider_staff', provider.id);
    const env = await proofKeys();
    const server = apiServer(scratch.url, await freePort(), env);
    await server.start();
    let token = await login(server.baseUrl, username);

    const acked = new Map<string, { id: string; amountCents: number }>();
    const retry: Op[] = [];
    let attempts = 0;
    let networkErrors = 0;
    let unexpected = 0;
    let kills = 0;
    let inFlight = 0;

    const newOp = (): Op => {
      const child = children[Math.floor(Math.random() * children.length)]!;
      return {
        key: randomUUID(),
        body: {
          code: child.card.cardNumber,
          approvalId: child.approval.id,
          amountCents: 1 + Math.floor(Math.random() * 500),
        },
      };
    };

    const worker = async () => {
      while (acked.size < TARGET || retry.length > 0) {
        const op = retry.pop() ?? (acked.size + inFlight < TARGET ? newOp() : undefined);
        if (!op) {
          await new Promise((r) => setTimeout(r, 20));
          if (inFlight === 0 && retry.length === 0) return;
          continue;
        }
        inFlight++;
        attempts++;
        try {
          const res = await fetch(`${server.baseUrl}/api/v1/terminal/redemptions`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
              'idempotency-key': op.key,
            },
            body: JSON.stringify(op.body),
            signal: AbortSignal.timeout(10_000),
          });
          if (res.status === 200 || res.status === 201) {
            const body = (await res.json()) as { id: string; amountCents: number };
            const earlier = acked.get(op.key);
            if (earlier && earlier.id !== body.id) throw new Error(`key ${op.key} answered with two ids`);
            acked.set(op.key, { id: body.id, amountCents: body.amountCents });
          } else if (res.status >= 500 || res.status === 429) {
            retry.push(op);
          } else {
            unexpected++;
            console.error(`unexpected ${res.status}: ${await res.text()}`);
          }
        } catch {
          // The server died under us: the outcome is unknown, so the same request goes again later.
          networkErrors++;
          retry.push(op);
          await new Promise((r) => setTimeout(r, 50));
        } finally {
          inFlight--;
        }
      }
    };

    // Kill i happens at a random point inside the i-th slice of the run, so kills spread over all of it.
    const killPoints = Array.from({ length: KILLS }, (_, i) =>
      Math.floor(((i + 0.2 + Math.random() * 0.6) * TARGET) / KILLS),
    );
    const killer = async () => {
      for (const point of killPoints) {
        while (acked.size < point) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, Math.random() * 200));
        if (acked.size >= TARGET) break;
        await server.kill9();
        kills++;
        console.log(`kill -9 #${kills} after ${acked.size} acknowledged bookings`);
        await server.start();
        token = await login(server.baseUrl, username);
      }
    };

    await Promise.all([killer(), ...Array.from({ length: CONCURRENCY }, worker)]);
    await server.stop();

    const rows = await queryRows<{ key: string; id: string; amount: number }>(
      db,
      sql`select idempotency_key as key, id, amount_cents as amount from redemptions`,
    );
    const byKey = new Map<string, { id: string; amount: number }[]>();
    for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    let missing = 0;
    let mismatched = 0;
    for (const [key, ack] of acked) {
      const found = byKey.get(key);
      if (!found?.length) missing++;
      else if (found[0]!.id !== ack.id || found[0]!.amount !== ack.amountCents) mismatched++;
    }
    const duplicates = [...byKey.values()].filter((list) => list.length > 1).length;
    const extra = rows.length - acked.size;
    const report = await verifyInvariants(db);
    console.log(formatReport(report));
    const bookingsOk =
      missing === 0 && mismatched === 0 && duplicates === 0 && extra === 0 && report.ok && kills >= Math.min(KILLS, 3);

    // The nightly run, killed mid-way: more rows so a run takes long enough to be hit, then reruns.
    const settle = await crashSettlement(scratch.url, db, env);
    const report2 = await verifyInvariants(db);
    if (!report2.ok) console.log(formatReport(report2));
    failed = !bookingsOk || !settle.ok || !report2.ok || unexpected > 0;

    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    writeReliabilitySection(
      'crash',
      `## Crash test (kill -9 during bookings and during the nightly run)

Command: \`pnpm --filter @tk/scripts exec tsx proofs/crash.ts --bookings ${TARGET} --kills ${KILLS}\` (CI runs it on the PostgreSQL server).
Machine: ${machineLine()}. Duration ${seconds} s. Result: **${failed ? 'FAILED' : 'passed'}**.

| figure | value |
|---|---|
| bookings acknowledged (2xx) to clients | ${acked.size} |
| booking attempts sent (incl. retries with the same Idempotency-Key) | ${attempts} |
| requests cut off by a kill (network errors, retried) | ${networkErrors} |
| \`kill -9\` of the API during bookings | ${kills} |
| acknowledged bookings found in the database | ${acked.size - missing} of ${acked.size} |
| acknowledged with a different id or amount | ${mismatched} |
| idempotency keys booked twice | ${duplicates} |
| bookings in the database that no client saw acknowledged | ${extra} |
| \`kill -9\` of the settlement run mid-way | ${settle.kills} (extra rows settled: ${settle.rows}) |
| redemptions settled in exactly one batch after the reruns | ${settle.settled} of ${settle.expected} |
| invariant checker (\`pnpm verify\`) | ${report.ok && report2.ok ? 'passed' : 'FAILED'} |
`,
    );
    console.log(
      `crash: acknowledged=${acked.size} found=${acked.size - missing} duplicates=${duplicates} extra=${extra} kills=${kills} settlementKills=${settle.kills} settled=${settle.settled}/${settle.expected} -> ${failed ? 'FAILED' : 'ok'}`,
    );
  } finally {
    await scratch.drop();
  }
  process.exit(failed ? 1 : 0);
}

/** Kills `pnpm settle` at random moments while it runs, then lets it finish; everything must be settled once. */
async function crashSettlement(
  databaseUrl: string,
  db: Awaited<ReturnType<typeof scratchDatabase>>['database']['db'],
  env: Record<string, string>,
) {
  const { spawn } = await import('node:child_process');
  const { API_DIR } = await import('./harness.ts');
  const rows = Number(arg('settle-rows', '300000'));
  // Extra booked redemptions (with balanced approvals and audit rows), written set-based. Trips: one child
  // may hold many at once (participation approvals may not overlap, ADR 0025).
  await db.execute(sql`
    with p as (select id from providers limit 1),
    b as (select id from beneficiaries limit 1),
    c as (select id from cards limit 1),
    a as (
      insert into approvals (id, beneficiary_id, benefit_type, legal_basis, cost_bearer, valid_from, valid_to, budget_cents, remaining_cents)
      select 'apv_bulk_' || g, (select id from b), 'trip', 'SGB_II', 'JOBCENTER', '2026-01-01', '2026-12-31', 1000, 0
      from generate_series(1, ${rows / 10}) g returning id
    )
    insert into redemptions (id, provider_id, approval_id, beneficiary_id, card_id, benefit_type, service_date, amount_cents, booked_by, booked_at)
    select 'rdm_bulk_' || a.id || '_' || k, (select id from p), a.id, (select id from b), (select id from c), 'trip',
           '2026-11-02', 100, 'usr_bulk', now() - interval '2 days'
    from a cross join generate_series(1, 10) k`);
  await db.execute(sql`insert into audit_log (action, entity_type, entity_id)
    select 'approval.created', 'approval', id from approvals where id like 'apv_bulk_%'
    union all select 'redemption.booked', 'redemption', id from redemptions where id like 'rdm_bulk_%'`);
  const cutoff = addDays(berlinDate(new Date()), 1);
  const runSettle = () =>
    spawn(process.execPath, ['--import', 'tsx', 'src/cli/settle.ts', '--cutoff', cutoff], {
      cwd: API_DIR,
      env: { ...process.env, ...env, DATABASE_URL: databaseUrl, NODE_ENV: 'production', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  let kills = 0;
  for (let i = 0; i < 3; i++) {
    const child = runSettle();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 1500 + Math.random() * 3000));
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      kills++;
    }
    await exited;
  }
  const final = runSettle();
  const code = await new Promise<number | null>((r) => final.once('exit', (c) => r(c)));
  const [counts] = await queryRows<{ expected: number; settled: number; lines: number }>(
    db,
    sql`select (select count(*) from redemptions where status = 'booked')::int as expected,
               (select count(*) from redemptions r where status = 'booked'
                  and exists (select 1 from settlement_lines l where l.redemption_id = r.id))::int as settled,
               (select count(*) from settlement_lines where redemption_id is not null)::int as lines`,
  );
  const ok = code === 0 && counts!.expected === counts!.settled && counts!.lines === counts!.settled;
  return { ok, kills, rows, expected: counts!.expected, settled: counts!.settled };
}

await main();
