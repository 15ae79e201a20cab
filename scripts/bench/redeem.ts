/**
 * `pnpm bench redeem`: the terminal booking path under load (ADR 0010).
 *
 * 1. A scratch database on the PostgreSQL server (BENCH_DATABASE_URL, default
 *    postgres://postgres@127.0.0.1:5432/postgres), migrated, with many children whose participation
 *    budgets never run out, their cards (QR tokens) and a few terminal users.
 * 2. HTTP: the real app (buildApp + listen on 127.0.0.1, a separate Node process so the load
 *    generator does not share its event loop) booked by autocannon at 32 connections: bearer auth,
 *    QR verification, Idempotency-Key, the context read, the one booking statement with audit row.
 * 3. Direct: the very same two statements (rendered from the service's own SQL builders) driven by
 *    pgbench at 32 connections: the ceiling the database allows on this machine.
 * 4. Lookup latency at a fixed 200 req/s.
 * Results go to docs/benchmarks.md (section `redeem`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '@tk/api';
import { testConfig } from '@tk/api/config.ts';
import { signCardToken } from '@tk/api/lib/card-token.ts';
import { generateKeyRings, keyRingFromJwks } from '@tk/api/lib/keys.ts';
import { signAccessToken } from '@tk/api/lib/tokens.ts';
import { addDays, berlinDate, generateCardNumber, systemClock } from '@tk/core';
import { cards, migrate, openDatabase } from '@tk/db';
import { bookingStatement } from '@tk/db/queries/bookings';
import { redeemContextStatement } from '@tk/db/queries/terminal';
// autocannon ships no type declarations; this is the part used here.
// @ts-expect-error untyped module
import autocannonModule from 'autocannon';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { machineLine, writeBenchmarkSection } from './report.ts';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}
type AutocannonOptions = Record<string, unknown>;
const autocannon = autocannonModule as (opts: AutocannonOptions) => Promise<AutocannonResult>;

const THIS_FILE = fileURLToPath(import.meta.url);
const PROVIDER_ID = 'prv_bench_club';
const CHILDREN = Number(process.env.BENCH_CHILDREN ?? 2000);
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const USERS = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Round {
  httpRate: number;
  httpP50: number;
  httpP99: number;
  httpErrors: number;
  directRate: number;
  directP50: number;
  directP99: number;
  directFailed: number;
  apiCores: number;
  dbCores: number;
  generatorCores: number;
  busyCores: number;
  load: number;
}

const pad = (i: number) => String(i).padStart(6, '0');

function scratchUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(serverUrl: string, text: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Children, approvals with budgets that never run out, cards with QR tokens, terminal users. */
async function seed(url: string, cardRing: Awaited<ReturnType<typeof generateKeyRings>>['card']) {
  const database = await openDatabase({ databaseUrl: url, poolSize: 4 });
  try {
    await migrate(database);
    const today = berlinDate(new Date());
    await database.query(
      `insert into providers (id, name, category, status, benefit_types, account_holder, iban, town, country)
       values ($1, 'Bench-Verein e.V.', 'club', 'approved', '{participation}', 'Bench-Verein e.V.', 'DE89370400440532013000', 'Musterstadt', 'DE')`,
      [PROVIDER_ID],
    );
    await database.query(
      `insert into beneficiaries (id, given_name, family_name, birth_date, case_reference)
       select 'ben_bench_' || lpad(i::text, 6, '0'), 'Kind', 'Bench' || i, '2015-01-01', 'BENCH-' || i
       from generate_series(1, $1::int) i`,
      [CHILDREN],
    );
    await database.query(
      `insert into approvals (id, beneficiary_id, benefit_type, legal_basis, cost_bearer, valid_from, valid_to, budget_cents, remaining_cents)
       select 'apv_bench_' || lpad(i::text, 6, '0'), 'ben_bench_' || lpad(i::text, 6, '0'), 'participation', 'SGB_II', 'JOBCENTER',
         $2::date, $3::date, 1000000000, 1000000000
       from generate_series(1, $1::int) i`,
      [CHILDREN, addDays(today, -30), addDays(today, 300)],
    );
    const rows: (typeof cards.$inferInsert)[] = [];
    for (let i = 1; i <= CHILDREN; i++) {
      const id = `card_bench_${pad(i)}`;
      const { token, keyId } = await signCardToken(cardRing, id);
      rows.push({ id, beneficiaryId: `ben_bench_${pad(i)}`, cardNumber: generateCardNumber(), qrToken: token, keyId });
    }
    for (let i = 0; i < rows.length; i += 500) await database.db.insert(cards).values(rows.slice(i, i + 500));
    for (let u = 1; u <= USERS; u++) {
      await database.query(
        `insert into users (id, username, password_hash, role, provider_id) values ($1, $2, 'x', 'provider_staff', $3)`,
        [`usr_bench_${u}`, `bench-${u}`, PROVIDER_ID],
      );
    }
    return rows.map((r) => r.qrToken);
  } finally {
    await database.close();
  }
}

/** The child process: the API on a real socket. Prints `{"port":…}` when listening. */
async function serve() {
  const jwks = JSON.parse(process.env.BENCH_JWKS!) as { access: never[]; card: never[]; proof: never[] };
  const keys = {
    access: await keyRingFromJwks(jwks.access),
    card: await keyRingFromJwks(jwks.card),
    proof: await keyRingFromJwks(jwks.proof),
  };
  const database = await openDatabase({
    databaseUrl: process.env.BENCH_URL!,
    poolSize: CONNECTIONS,
    applicationName: 'bench-api',
  });
  const app = await buildApp(testConfig({ rateLimitPerMinute: 1_000_000_000, logLevel: 'silent' }), {
    database,
    keys,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
  process.on('SIGTERM', async () => {
    await app.close();
    await database.close();
    process.exit(0);
  });
}

function startServer(url: string, jwks: unknown): Promise<{ child: ChildProcess; port: number }> {
  // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the API process (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', THIS_FILE], {
    env: { ...process.env, BENCH_REDEEM_SERVER: '1', BENCH_URL: url, BENCH_JWKS: JSON.stringify(jwks) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

/** The two statements of one booking, rendered from the service's builders with pgbench variables. */
function pgbenchScript(): string {
  const dialect = new PgDialect();
  const S = {
    approval: '@@APPROVAL@@',
    card: '@@CARD@@',
    child: '@@CHILD@@',
    id: '@@ID@@',
    key: '@@KEY@@',
  };
  const expressions: Record<string, string> = {
    [S.approval]: `('apv_bench_' || lpad(:i::text, 6, '0'))`,
    [S.card]: `('card_bench_' || lpad(:i::text, 6, '0'))`,
    [S.child]: `('ben_bench_' || lpad(:i::text, 6, '0'))`,
    [S.id]: `('rdm_bench_' || :r::text)`,
    [S.key]: `('key_bench_' || :r::text)`,
  };
  const render = (query: ReturnType<typeof redeemContextStatement>) => {
    const { sql, params } = dialect.sqlToQuery(query);
    return sql.replace(/\$(\d+)/g, (_, n: string) => {
      const value = params[Number(n) - 1];
      if (value === null || value === undefined) return 'null';
      if (typeof value === 'number') return String(value);
      const text = String(value);
      const expression = expressions[text];
      if (expression) return expression;
      // pgbench reads ":name" even inside string literals as a variable: spell colons as \x3a.
      const quoted = text.replaceAll("'", "''");
      return quoted.includes(':') ? `E'${quoted.replaceAll('\\', '\\\\').replaceAll(':', '\\x3a')}'` : `'${quoted}'`;
    });
  };
  const today = berlinDate(new Date());
  const read = redeemContextStatement({
    ref: { cardId: S.card },
    approvalId: S.approval,
    serviceDate: today,
    providerId: PROVIDER_ID,
    scope: `terminal:${PROVIDER_ID}`,
    key: S.key,
  });
  const write = bookingStatement({
    id: S.id,
    approvalId: S.approval,
    cardId: S.card,
    beneficiaryId: S.child,
    providerId: PROVIDER_ID,
    benefitType: 'participation',
    serviceDate: today,
    amountCents: 1,
    meals: null,
    minutes: null,
    mealSlot: null,
    purpose: null,
    debitsBudget: true,
    bookedAt: new Date(),
    bookedBy: 'usr_bench_1',
    requestId: 'pgbench',
    idempotency: { scope: `terminal:${PROVIDER_ID}`, key: S.key, requestHash: 'pgbench' },
  });
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
  return [
    `\\set i random(1, ${CHILDREN})`,
    '\\set r random(1, 9000000000000000000)',
    `${oneLine(render(read))};`,
    `${oneLine(render(write))};`,
    '',
  ].join('\n');
}

/** CPU seconds (user + system) of a process, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of the PostgreSQL backends serving the API (application_name bench-api), read from /proc. */
async function backendCpuSeconds(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = 'bench-api'`,
    );
    let total = 0;
    for (const { pid } of rows) {
      try {
        total += processCpuSeconds(pid);
      } catch {
        // a backend that ended meanwhile
      }
    }
    return total;
  } finally {
    await client.end();
  }
}

/** Busy and total CPU seconds of the whole machine. */
function machineCpu(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    busy += (t.user + t.nice + t.sys + t.irq) / 1000;
    total += (t.user + t.nice + t.sys + t.irq + t.idle) / 1000;
  }
  return { busy, total };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** pgbench at 32 connections; per-transaction latencies from its log for p50/p99. */
function runPgbench(url: string): { tps: number; p50: number; p99: number; transactions: number; failed: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-pgbench-'));
  try {
    const scriptFile = path.join(dir, 'redeem.sql');
    writeFileSync(scriptFile, pgbenchScript());
    writeFileSync(path.join(path.dirname(THIS_FILE), 'redeem.pgbench.sql'), readFileSync(scriptFile, 'utf8'));
    const u = new URL(url);
    const out = execFileSync(
      'pgbench',
      [
        '-n',
        // Named prepared statements, as the API sends them (db/src/prepared.ts).
        '-M',
        'prepared',
        '-c',
        String(CONNECTIONS),
        '-j',
        '2',
        '-T',
        String(SECONDS),
        '-l',
        '--log-prefix',
        path.join(dir, 'log'),
        '-f',
        scriptFile,
        '-h',
        u.searchParams.get('host') ?? u.hostname,
        '-p',
        u.port || '5432',
        '-U',
        decodeURIComponent(u.username || 'postgres'),
        u.pathname.slice(1),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? 0);
    const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
    const latencies: number[] = [];
    for (const file of readdirSync(dir).filter((f) => f.startsWith('log'))) {
      for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
        const parts = line.split(' ');
        if (parts.length >= 3) latencies.push(Number(parts[2]) / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    return { tps, transactions, failed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ledgerCheck(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bad: number; bookings: number; audits: number; keys: number }>(
      `select (select count(*)::int from approvals a where a.budget_cents <> a.remaining_cents +
                 (select coalesce(sum(amount_cents), 0) from redemptions r where r.approval_id = a.id)) as bad,
              (select count(*)::int from redemptions) as bookings,
              (select count(*)::int from audit_log where action = 'redemption.booked') as audits,
              (select count(*)::int from idempotency_keys) as keys`,
    );
    return rows[0]!;
  } finally {
    await client.end();
  }
}

export async function run(args: string[]): Promise<void> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `tk_bench_${randomBytes(4).toString('hex')}`;
  const url = scratchUrl(serverUrl, name);
  const keep = args.includes('--keep');
  await admin(serverUrl, `create database ${name}`);
  let server: ChildProcess | undefined;
  try {
    const keys = await generateKeyRings();
    console.log(`seeding ${CHILDREN} children into ${name} …`);
    const qrTokens = await seed(url, keys.card);
    const tokens: string[] = [];
    for (let u = 1; u <= USERS; u++) {
      const claims = {
        sub: `usr_bench_${u}`,
        role: 'provider_staff',
        providerId: PROVIDER_ID,
        username: `bench-${u}`,
        tokenVersion: 0,
      };
      tokens.push((await signAccessToken(keys.access, claims, 120, systemClock)).token);
    }
    const started = await startServer(url, keys.jwks);
    server = started.child;
    const base = `http://127.0.0.1:${started.port}`;
    const pick = () => Math.floor(Math.random() * CHILDREN);

    const bookingRequest = {
      method: 'POST',
      path: '/api/v1/terminal/redemptions',
      setupRequest: (req: Record<string, unknown>) => {
        const i = pick();
        return {
          ...req,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tokens[i % USERS]}`,
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({ code: qrTokens[i], approvalId: `apv_bench_${pad(i + 1)}`, amountCents: 1 }),
        };
      },
    };
    const lookupRequest = {
      method: 'POST',
      path: '/api/v1/terminal/lookup',
      setupRequest: (req: Record<string, unknown>) => {
        const i = pick();
        return {
          ...req,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % USERS]}` },
          body: JSON.stringify({ code: qrTokens[i] }),
        };
      },
    };

    console.log('warm-up …');
    await autocannon({ url: base, connections: CONNECTIONS, duration: 5, requests: [bookingRequest] });

    // HTTP and pgbench alternate in short rounds, so both see the same background load on a shared machine.
    const rounds: Round[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const loadBefore = os.loadavg()[0]!;
      const cpu0 = {
        api: processCpuSeconds(server.pid!),
        db: await backendCpuSeconds(url),
        self: process.cpuUsage(),
        machine: machineCpu(),
      };
      const http = await autocannon({
        url: base,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [bookingRequest],
      });
      const selfUsage = process.cpuUsage(cpu0.self);
      const machine = machineCpu();
      const httpRate = http['2xx'] / SECONDS;
      const cores = {
        api: (processCpuSeconds(server.pid!) - cpu0.api) / SECONDS,
        db: ((await backendCpuSeconds(url)) - cpu0.db) / SECONDS,
        loadGenerator: (selfUsage.user + selfUsage.system) / 1e6 / SECONDS,
        busy: (machine.busy - cpu0.machine.busy) / SECONDS,
      };
      const direct = runPgbench(url);
      const round: Round = {
        httpRate,
        httpP50: http.latency.p50,
        httpP99: http.latency.p99,
        httpErrors: http.non2xx + http.errors,
        directRate: direct.tps,
        directP50: direct.p50,
        directP99: direct.p99,
        directFailed: direct.failed,
        apiCores: cores.api,
        dbCores: cores.db,
        generatorCores: cores.loadGenerator,
        busyCores: cores.busy,
        load: loadBefore,
      };
      rounds.push(round);
      console.log(
        `round ${r}: HTTP ${httpRate.toFixed(0)}/s p50 ${http.latency.p50} ms p99 ${http.latency.p99} ms (${round.httpErrors} errors) | ` +
          `direct ${direct.tps.toFixed(0)}/s p50 ${direct.p50.toFixed(1)} ms p99 ${direct.p99.toFixed(1)} ms | ratio ${(httpRate / direct.tps).toFixed(2)} | ` +
          `CPU api ${cores.api.toFixed(2)} db ${cores.db.toFixed(2)} gen ${cores.loadGenerator.toFixed(2)} busy ${cores.busy.toFixed(2)} | load ${loadBefore.toFixed(1)}`,
      );
    }

    console.log('lookup at 200 req/s, 10 s …');
    const lookup = await autocannon({
      url: base,
      connections: 8,
      duration: 10,
      overallRate: 200,
      requests: [lookupRequest],
    });
    console.log(
      `  ${lookup.requests.average} req/s, p50 ${lookup.latency.p50} ms, p99 ${lookup.latency.p99} ms, non-2xx ${lookup.non2xx}`,
    );
    server.kill('SIGTERM');
    await new Promise((resolve) => server!.once('exit', resolve));
    server = undefined;

    const ledger = await ledgerCheck(url);
    console.log(
      `ledger: ${ledger.bookings} bookings, ${ledger.audits} audit rows, ${ledger.keys} idempotency keys, ${ledger.bad} approvals off`,
    );
    const median = (pick: (r: Round) => number) => {
      const values = rounds.map(pick).sort((x, y) => x - y);
      return values[Math.floor(values.length / 2)]!;
    };
    const m = {
      httpRate: median((r) => r.httpRate),
      httpP50: median((r) => r.httpP50),
      httpP99: median((r) => r.httpP99),
      directRate: median((r) => r.directRate),
      directP50: median((r) => r.directP50),
      directP99: median((r) => r.directP99),
      ratio: median((r) => r.httpRate / r.directRate),
      apiMsPerBooking: median((r) => (r.apiCores * 1000) / Math.max(r.httpRate, 1)),
      dbMsPerBooking: median((r) => (r.dbCores * 1000) / Math.max(r.httpRate, 1)),
      generatorMsPerBooking: median((r) => (r.generatorCores * 1000) / Math.max(r.httpRate, 1)),
    };
    const pgVersion = execFileSync('pgbench', ['--version'], { encoding: 'utf8' }).trim();
    const roundRows = rounds
      .map(
        (r, i) =>
          `| ${i + 1} | ${r.httpRate.toFixed(0)} | ${r.httpP50} / ${r.httpP99} ms | ${r.directRate.toFixed(0)} | ${r.directP50.toFixed(1)} / ${r.directP99.toFixed(1)} ms | ${(r.httpRate / r.directRate).toFixed(2)}× | ${r.apiCores.toFixed(2)} / ${r.dbCores.toFixed(2)} / ${r.generatorCores.toFixed(2)} / ${r.busyCores.toFixed(2)} | ${r.load.toFixed(1)} |`,
      )
      .join('\n');
    const errors = rounds.reduce((n, r) => n + r.httpErrors + r.directFailed, 0);

    const socket = new URL(url).searchParams.get('host');
    writeBenchmarkSection(
      socket ? 'redeem-socket' : 'redeem',
      `## Redemption path (\`pnpm bench redeem\`${socket ? ', database over a Unix socket' : ''})

Machine: ${machineLine()}; PostgreSQL server on the same machine (fsync and synchronous_commit on), ${pgVersion},
reached over ${socket ? `its Unix socket (${socket}, \`BENCH_DATABASE_URL\`) by both the API and pgbench` : 'TCP (127.0.0.1) by both the API and pgbench'}.
Setup: scratch database, ${CHILDREN} children with participation approvals whose budgets never run out,
${USERS} terminal users, QR codes as scanned. **HTTP** = the real app (buildApp + listen, its own Node
process, pool ${CONNECTIONS}, logging off) under autocannon at ${CONNECTIONS} connections: bearer token, QR signature,
Idempotency-Key, context read + the one booking statement (guarded UPDATE, redemption, idempotency row,
audit row). **Direct** = the same two statements, rendered from the service's own SQL builders
(\`scripts/bench/redeem.pgbench.sql\`), driven by \`pgbench -M prepared -c ${CONNECTIONS} -j 2 -T ${SECONDS}\` (prepared statements like the API).
HTTP and direct alternate in ${ROUNDS} rounds of ${SECONDS} s so both see the same background load; medians:

| path | bookings/s | p50 | p99 |
|---|---|---|---|
| HTTP (autocannon, ${CONNECTIONS} conn.) | ${m.httpRate.toFixed(0)} | ${m.httpP50} ms | ${m.httpP99} ms |
| direct SQL (pgbench, ${CONNECTIONS} conn.) | ${m.directRate.toFixed(0)} | ${m.directP50.toFixed(1)} ms | ${m.directP99.toFixed(1)} ms |
| ratio HTTP / direct | ${m.ratio.toFixed(2)}× | | |

Lookup at a fixed 200 req/s (8 connections, 10 s): p50 ${lookup.latency.p50} ms, p99 ${lookup.latency.p99} ms
(${lookup.requests.average} req/s served, ${lookup.non2xx} non-2xx).

Rounds (CPU in cores during the HTTP part: API process / its PostgreSQL backends / autocannon / whole machine busy; 1-min load average before):

| round | HTTP/s | HTTP p50 / p99 | direct/s | direct p50 / p99 | ratio | CPU | load |
|---|---|---|---|---|---|---|---|
${roundRows}

Errors: ${errors} (non-2xx, socket errors, failed transactions). Ledger after the run: ${ledger.bookings} bookings,
${ledger.audits} \`redemption.booked\` audit rows, ${ledger.keys} idempotency keys, ${ledger.bad} approvals where
budget ≠ remaining + booked.

What limits it: the CPU. Per HTTP booking (medians) the API process spends ${m.apiMsPerBooking.toFixed(2)} ms, its PostgreSQL
backends ${m.dbMsPerBooking.toFixed(2)} ms and autocannon ${m.generatorMsPerBooking.toFixed(2)} ms of CPU, all on the same ${os.cpus().length} cores;
that budget caps this machine at about ${Math.round((os.cpus().length * 1000) / (m.apiMsPerBooking + m.dbMsPerBooking + m.generatorMsPerBooking))} bookings/s even with nothing else running. pgbench
needs no API process, so "direct" gets the cores to itself and the ratio HTTP/direct is bounded by the
database's share of the budget (≈ ${(m.dbMsPerBooking / (m.apiMsPerBooking + m.dbMsPerBooking + m.generatorMsPerBooking)).toFixed(2)}), not by waiting:
on a machine where the database has its own cores the HTTP path is limited by the API process alone
(≈ ${Math.round(1000 / m.apiMsPerBooking)} bookings/s per API process core). A CPU profile of the API process
(\`BENCH_CPU_PROF=<dir> pnpm bench redeem\`, 2026-11-21) put ≈ 27 % of its busy time in the kernel's socket
writes (three per booking: two statements, one response, loopback TCP), ≈ 10 % in the pg protocol, ≈ 25 % in
Fastify/HTTP handling and under 10 % in the terminal service; token and QR signature checks are cached per
process. Correctness costs no extra round trip (guard, idempotency row and audit row are in the one write),
and nothing provider-wide is updated per booking, so bookings of different children never wait for each
other. A load average above the core count means other work shared the machine and the figures are lower bounds.

Targets: ≥ 1,000 bookings/s (${m.httpRate >= 1000 ? 'met' : 'missed'}), ≥ 0.6× direct (${m.ratio >= 0.6 ? 'met' : 'missed'}),
p99 ≤ 60 ms (${m.httpP99 <= 60 ? 'met' : 'missed'}), lookup p99 ≤ 20 ms at 200 req/s (${lookup.latency.p99 <= 20 ? 'met' : 'missed'}).
`,
    );
    console.log('written to docs/benchmarks.md');
  } finally {
    if (server) server.kill('SIGTERM');
    if (!keep) await admin(serverUrl, `drop database if exists ${name} with (force)`).catch(() => {});
  }
}

if (process.env.BENCH_REDEEM_SERVER === '1') await serve();
