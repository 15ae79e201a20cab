/**
 * `pnpm bench redeem`: the terminal booking path under load against its floor (ADR 0010, issue 15).
 *
 * 1. A scratch database on the PostgreSQL server (BENCH_DATABASE_URL, default
 *    postgres://postgres@127.0.0.1:5432/postgres), migrated, with many children whose participation
 *    budgets never run out, their cards (QR tokens) and a few terminal users.
 * 2. Real: the server as `pnpm start` runs it in production: compiled (`pnpm --filter @tk/api build`),
 *    `node <flags of pnpm start> services/api/dist/server.js`, NODE_ENV=production, LOG_LEVEL=info (the log
 *    goes to a file, as to a collector), rate limit on, scheduler and audit sealer on, default pool.
 * 3. Floor: a bare Fastify 5 + `pg` server (redeem-floor.mjs): one guarded UPDATE plus one INSERT per
 *    request, JSON answer. Same client (autocannon in this process, keep-alive, 32 connections), same
 *    database server and data, same pool size. Real and floor alternate in rounds (order swapped each
 *    round) so both see the same background load.
 * 4. Lookup latency at 200 req/s while bookings run at half the real server's measured rate.
 * 5. The ledger reconciled. Results go to docs/benchmarks.md (section `redeem`).
 * BENCH_CPU_PROF=<dir>: the real server writes a V8 CPU profile there; its summary is printed.
 * BENCH_PORT (default 0: any free port): the real server's port, the floor's is BENCH_PORT + 1.
 * WEB_CONCURRENCY is passed on to the real server.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signCardToken } from '@tk/api/lib/card-token.ts';
import { generateKeyRings } from '@tk/api/lib/keys.ts';
import { signAccessToken } from '@tk/api/lib/tokens.ts';
import { addDays, berlinDate, generateCardNumber, systemClock } from '@tk/core';
import { cards, type Database, migrate, openDatabase } from '@tk/db';
// autocannon ships no type declarations; this is the part used here.
// @ts-expect-error untyped module
import autocannonModule from 'autocannon';
import pg from 'pg';
import { summarizeCpuProfile } from './cpu-profile.ts';
import { machineLine, writeBenchmarkSection } from './report.ts';

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}
export type AutocannonOptions = Record<string, unknown>;
export const autocannon = autocannonModule as (opts: AutocannonOptions) => Promise<AutocannonResult>;

const THIS_FILE = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(THIS_FILE), '../..');
export const SERVER_JS = path.join(REPO, 'services/api/dist/server.js');
/** The node flags of `pnpm start` (services/api/package.json, the one place they are spelled; ADR 0038). */
export const SERVER_NODE_FLAGS: string[] = (
  JSON.parse(readFileSync(path.join(REPO, 'services/api/package.json'), 'utf8')).scripts.start as string
)
  .split(' ')
  .filter((word) => word.startsWith('--'));
const FLOOR_JS = path.join(path.dirname(THIS_FILE), 'redeem-floor.mjs');
export const PROVIDER_ID = 'prv_bench_club';
const CHILDREN = Number(process.env.BENCH_CHILDREN ?? 2000);
export const CONNECTIONS = 32;
/** The production pool size (openDatabase's default); the floor gets the same. */
const POOL_SIZE = 20;
/** Short rounds, many of them: on a shared machine the background load swings within seconds. */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const USERS = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
/** High enough never to trip at 32 connections, so the limiter counts every request without refusing one. */
const RATE_LIMIT_PER_MINUTE = 1_000_000;

export interface Side {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  serverCores: number;
  dbCores: number;
  generatorCores: number;
  busyCores: number;
  load: number;
}
interface Round {
  real: Side;
  floor: Side;
  /** The order the sides ran in this round. */
  order: string[];
  /** BENCH_BEFORE_JS: the same measurement of an earlier build, in the same round. */
  before?: Side;
}

type KeyRings = Awaited<ReturnType<typeof generateKeyRings>>;

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

/**
 * Children, approvals with budgets that never run out, cards with QR tokens, terminal users; returns each
 * card's QR token with its approval.
 */
export async function seed(url: string, cardRing: KeyRings['card']) {
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
    await seedTerminalUsers(database, PROVIDER_ID);
    return rows.map((r, i) => ({ qrToken: r.qrToken, approvalId: `apv_bench_${pad(i + 1)}` }));
  } finally {
    await database.close();
  }
}

/**
 * The terminal users `usr_bench_1` … of one provider (booking with a bearer token, no password); kept when a
 * kept database is measured again (`pnpm bench land --reuse … --rates-only`).
 */
export async function seedTerminalUsers(database: Database, providerId: string): Promise<void> {
  for (let u = 1; u <= USERS; u++) {
    await database.query(
      `insert into users (id, username, password_hash, role, provider_id) values ($1, $2, 'x', 'provider_staff', $3)
       on conflict (id) do nothing`,
      [`usr_bench_${u}`, `bench-${u}`, providerId],
    );
  }
}

/** Bearer tokens of the terminal users seeded by seedTerminalUsers. */
export async function terminalTokens(accessRing: KeyRings['access'], providerId: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let u = 1; u <= USERS; u++) {
    const claims = {
      sub: `usr_bench_${u}`,
      role: 'provider_staff',
      providerId,
      username: `bench-${u}`,
      tokenVersion: 0,
    };
    tokens.push((await signAccessToken(accessRing, claims, 120, systemClock)).token);
  }
  return tokens;
}

/**
 * The terminal's two requests as autocannon request templates, each for a random card of `cards`: a booking
 * of 1 cent on its approval (a new Idempotency-Key each) and a lookup of the scanned QR code.
 */
export function terminalRequests(tokens: string[], cards: { qrToken: string; approvalId: string }[]) {
  const pick = () => Math.floor(Math.random() * cards.length);
  const booking = {
    method: 'POST',
    path: '/api/v1/terminal/redemptions',
    setupRequest: (req: Record<string, unknown>) => {
      const i = pick();
      return {
        ...req,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${tokens[i % tokens.length]}`,
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({ code: cards[i]!.qrToken, approvalId: cards[i]!.approvalId, amountCents: 1 }),
      };
    },
  };
  const lookup = {
    method: 'POST',
    path: '/api/v1/terminal/lookup',
    setupRequest: (req: Record<string, unknown>) => {
      const i = pick();
      return {
        ...req,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
        body: JSON.stringify({ code: cards[i]!.qrToken }),
      };
    },
  };
  return { booking, lookup };
}

/**
 * One side of a round: autocannon (CONNECTIONS, SECONDS) against `base`, with the CPU of the server
 * process tree `pid`, of its PostgreSQL backends (`applicationName` on the database of `url`), of this
 * process and of the whole machine, and the 1-min load average before.
 */
export async function measure(
  url: string,
  base: string,
  request: unknown,
  pid: number,
  applicationName: string,
  extra: AutocannonOptions = {},
): Promise<Side> {
  const load = os.loadavg()[0]!;
  const cpu0 = {
    server: processTreeCpuSeconds(pid),
    db: await backendCpuSeconds(url, applicationName),
    self: process.cpuUsage(),
    machine: machineCpu(),
  };
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [request],
    ...extra,
  });
  const self = process.cpuUsage(cpu0.self);
  const machine = machineCpu();
  return {
    rate: result['2xx'] / SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    serverCores: (processTreeCpuSeconds(pid) - cpu0.server) / SECONDS,
    dbCores: ((await backendCpuSeconds(url, applicationName)) - cpu0.db) / SECONDS,
    generatorCores: (self.user + self.system) / 1e6 / SECONDS,
    busyCores: (machine.busy - cpu0.machine.busy) / SECONDS,
    load,
  };
}

/** CPU seconds (user + system) of a process, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of the PostgreSQL backends with this application_name, read from /proc. */
async function backendCpuSeconds(url: string, applicationName: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = $1 and datname = current_database()`,
      [applicationName],
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

/** CPU seconds of a process and its direct children (the workers of a cluster). */
function processTreeCpuSeconds(pid: number): number {
  let total = processCpuSeconds(pid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === pid) total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // a process that ended meanwhile
    }
  }
  return total;
}

function waitForLine(child: ChildProcess, read: () => string, match: (line: string) => string | null) {
  return new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      for (const line of read().split('\n')) {
        const found = match(line);
        if (found !== null) {
          clearInterval(timer);
          child.off('exit', onExit);
          resolve(found);
          return;
        }
      }
    }, 100);
    const onExit = (code: number | null) => {
      clearInterval(timer);
      reject(new Error(`server exited with ${code} before it was ready`));
    };
    child.on('exit', onExit);
  });
}

/** The real server, as `pnpm start` runs it in production; its log (info, JSON lines) goes to `logFile`. */
export async function startReal(
  url: string,
  jwks: Record<'access' | 'card' | 'proof', unknown[]>,
  logFile: string,
  serverJs = SERVER_JS,
  portOffset = 0,
) {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const port = process.env.BENCH_PORT ? Number(process.env.BENCH_PORT) + portOffset : 0;
  const out = openSync(logFile, 'w');
  // BENCH_NODE_FLAGS: extra node flags for the real server (experiments; not part of `pnpm start`).
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...(portOffset === 0 ? profile : []), ...SERVER_NODE_FLAGS, ...flags, serverJs],
    {
      cwd: path.join(REPO, 'services/api'),
      env: {
        PATH: process.env.PATH,
        ...(process.env.WEB_CONCURRENCY ? { WEB_CONCURRENCY: process.env.WEB_CONCURRENCY } : {}),
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: url,
        LOG_LEVEL: 'info',
        RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
        ACCESS_TOKEN_KEYS: JSON.stringify(jwks.access),
        CARD_TOKEN_KEYS: JSON.stringify(jwks.card),
        PROOF_SIGNING_KEYS: JSON.stringify(jwks.proof),
        PUBLIC_URL: 'http://127.0.0.1',
      },
      stdio: ['ignore', out, 'inherit'],
    },
  );
  closeSync(out);
  const bound = await waitForLine(
    child,
    () => readFileSync(logFile, 'utf8'),
    (line) => {
      if (!line.includes('"msg":"ready"')) return null;
      return (JSON.parse(line) as { url: string }).url;
    },
  );
  return { child, base: bound };
}

/** The floor: bare Fastify + pg (redeem-floor.mjs), plain node. */
async function startFloor(url: string) {
  const port = process.env.BENCH_PORT ? Number(process.env.BENCH_PORT) + 1 : 0;
  const child = spawn(process.execPath, [FLOOR_JS], {
    cwd: path.dirname(THIS_FILE),
    env: {
      PATH: process.env.PATH,
      FLOOR_DATABASE_URL: url,
      FLOOR_PORT: String(port),
      FLOOR_POOL_SIZE: String(POOL_SIZE),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
  });
  const bound = await waitForLine(
    child,
    () => buffer,
    (line) => (line.startsWith('{') ? String((JSON.parse(line) as { port: number }).port) : null),
  );
  return { child, base: `http://127.0.0.1:${bound}` };
}

export async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function ledgerCheck(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      bad: number;
      bookings: number;
      floorBookings: number;
      audits: number;
      keys: number;
    }>(
      `select (select count(*)::int from approvals a where a.budget_cents <> a.remaining_cents +
                 (select coalesce(sum(amount_cents), 0) from redemptions r where r.approval_id = a.id)) as bad,
              (select count(*)::int from redemptions where booked_by <> 'floor') as bookings,
              (select count(*)::int from redemptions where booked_by = 'floor') as "floorBookings",
              (select count(*)::int from audit_log where action = 'redemption.booked') as audits,
              (select count(*)::int from idempotency_keys) as keys`,
    );
    return rows[0]!;
  } finally {
    await client.end();
  }
}

/** Log lines of the real server at warn or above (pino levels ≥ 40), and all lines. */
function logStats(logFile: string) {
  let lines = 0;
  const warnings: string[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    lines++;
    const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { code?: string; sqlState?: string } };
    const code = entry.err?.sqlState ?? entry.err?.code;
    if ((entry.level ?? 0) >= 40) warnings.push(`${entry.msg ?? ''}${code ? ` (${code})` : ''}`);
  }
  return { lines, warnings: warnings.length, messages: [...new Set(warnings)].slice(0, 5) };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export async function run(args: string[]): Promise<void> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  // BENCH_DB_PREFIX: the scratch database's name prefix (default tk_bench), e.g. one's own on a shared server.
  const name = `${process.env.BENCH_DB_PREFIX ?? 'tk_bench'}_${randomBytes(4).toString('hex')}`;
  const url = scratchUrl(serverUrl, name);
  const keep = args.includes('--keep');
  const work = mkdtempSync(path.join(tmpdir(), 'tk-bench-redeem-'));
  const logFile = path.join(work, 'server.log');
  await admin(serverUrl, `create database ${name}`);
  const children: ChildProcess[] = [];
  try {
    if (!process.env.BENCH_SKIP_BUILD) {
      console.log('building the server (pnpm --filter @tk/api build) …');
      execFileSync('pnpm', ['--filter', '@tk/api', 'build'], { cwd: REPO, stdio: 'inherit' });
    }
    const keys = await generateKeyRings();
    console.log(`seeding ${CHILDREN} children into ${name} …`);
    const benchCards = await seed(url, keys.card);
    const tokens = await terminalTokens(keys.access, PROVIDER_ID);
    const real = await startReal(url, keys.jwks, logFile);
    children.push(real.child);
    const floor = await startFloor(url);
    children.push(floor.child);
    // BENCH_BEFORE_JS=<dist/server.js of an earlier build, copied inside services/api>: measured in every round too.
    const beforeJs = process.env.BENCH_BEFORE_JS;
    const before = beforeJs
      ? await startReal(url, keys.jwks, path.join(work, 'before.log'), path.resolve(REPO, beforeJs), 2)
      : undefined;
    if (before) children.push(before.child);
    const pick = () => Math.floor(Math.random() * CHILDREN);

    const { booking: bookingRequest, lookup: lookupRequest } = terminalRequests(tokens, benchCards);
    const floorRequest = {
      method: 'POST',
      path: '/book',
      setupRequest: (req: Record<string, unknown>) => {
        const i = pick() + 1;
        return {
          ...req,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            approvalId: `apv_bench_${pad(i)}`,
            beneficiaryId: `ben_bench_${pad(i)}`,
            cardId: `card_bench_${pad(i)}`,
            amountCents: 1,
          }),
        };
      },
    };

    console.log('warm-up (5 s each) …');
    const warmups = [
      await autocannon({ url: real.base, connections: CONNECTIONS, duration: 5, requests: [bookingRequest] }),
      await autocannon({ url: floor.base, connections: CONNECTIONS, duration: 5, requests: [floorRequest] }),
      ...(before
        ? [await autocannon({ url: before.base, connections: CONNECTIONS, duration: 5, requests: [bookingRequest] })]
        : []),
    ];
    const warmupErrors = warmups.reduce((n, w) => n + w.non2xx + w.errors + w.timeouts, 0);
    console.log(`  warm-up errors (not counted in the rounds): ${warmupErrors}`);

    const measureReal = () => measure(url, real.base, bookingRequest, real.child.pid!, 'teilhabekarte');
    const measureFloor = () => measure(url, floor.base, floorRequest, floor.child.pid!, 'bench-floor');

    const rounds: Round[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      // Each round rotates the order, so no side always runs in the same slot of a round.
      const sides: ('real' | 'floor' | 'before')[] = before ? ['real', 'floor', 'before'] : ['real', 'floor'];
      const order = sides.map((_, i) => sides[(i + r - 1) % sides.length]!);
      const measured: Partial<Record<'real' | 'floor' | 'before', Side>> = {};
      for (const side of order) {
        if (side === 'real') measured.real = await measureReal();
        else if (side === 'floor') measured.floor = await measureFloor();
        else measured.before = await measure(url, before!.base, bookingRequest, before!.child.pid!, 'teilhabekarte');
      }
      const realSide = measured.real!;
      const floorSide = measured.floor!;
      const beforeSide = measured.before;
      rounds.push({ real: realSide, floor: floorSide, order, ...(beforeSide ? { before: beforeSide } : {}) });
      if (beforeSide) {
        console.log(
          `  before: ${beforeSide.rate.toFixed(0)}/s p99 ${beforeSide.p99} ms, server ${((beforeSide.serverCores * 1000) / beforeSide.rate).toFixed(2)} ms/booking vs now ${((realSide.serverCores * 1000) / realSide.rate).toFixed(2)}`,
        );
      }
      console.log(
        `round ${r} (${order.join(', ')}): real ${realSide.rate.toFixed(0)}/s p50 ${realSide.p50} p99 ${realSide.p99} ms (${realSide.errors} errors) | ` +
          `floor ${floorSide.rate.toFixed(0)}/s p50 ${floorSide.p50} p99 ${floorSide.p99} ms (${floorSide.errors} errors) | ratio ${(realSide.rate / floorSide.rate).toFixed(2)} | ` +
          `CPU real ${realSide.serverCores.toFixed(2)}+db ${realSide.dbCores.toFixed(2)}, floor ${floorSide.serverCores.toFixed(2)}+db ${floorSide.dbCores.toFixed(2)} | load ${realSide.load.toFixed(1)}`,
      );
    }

    const realRate = median(rounds.map((r) => r.real.rate));
    const halfRate = Math.round(realRate / 2);
    console.log(`lookup at 200 req/s (8 connections, ${SECONDS} s) while bookings run at ${halfRate}/s …`);
    const loadDuringLookup = os.loadavg()[0]!;
    const [lookup, background] = await Promise.all([
      autocannon({ url: real.base, connections: 8, duration: SECONDS, overallRate: 200, requests: [lookupRequest] }),
      autocannon({
        url: real.base,
        connections: CONNECTIONS,
        duration: SECONDS,
        overallRate: halfRate,
        requests: [bookingRequest],
      }),
    ]);
    const backgroundRate = background['2xx'] / SECONDS;
    const lookupErrors = lookup.non2xx + lookup.errors + lookup.timeouts;
    const backgroundErrors = background.non2xx + background.errors + background.timeouts;
    console.log(
      `  lookup ${lookup.requests.average} req/s p50 ${lookup.latency.p50} ms p99 ${lookup.latency.p99} ms (${lookupErrors} errors); ` +
        `bookings ${backgroundRate.toFixed(0)}/s p99 ${background.latency.p99} ms (${backgroundErrors} errors)`,
    );

    await stop(floor.child);
    await stop(real.child);
    if (before) await stop(before.child);
    const ledger = await ledgerCheck(url);
    const log = logStats(logFile);
    console.log(
      `ledger: ${ledger.bookings} bookings, ${ledger.audits} audit rows, ${ledger.keys} idempotency keys, ` +
        `${ledger.floorBookings} floor bookings, ${ledger.bad} approvals off; log: ${log.lines} lines, ${log.warnings} at warn or above ${JSON.stringify(log.messages)}`,
    );
    let profileSummary = '';
    if (process.env.BENCH_CPU_PROF) {
      const dir = process.env.BENCH_CPU_PROF;
      const newest = readdirSync(dir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(dir, f))
        .sort()
        .at(-1);
      if (newest) {
        profileSummary = summarizeCpuProfile(newest);
        console.log(profileSummary);
      }
    }

    const m = {
      real: {
        rate: realRate,
        p50: median(rounds.map((r) => r.real.p50)),
        p99: median(rounds.map((r) => r.real.p99)),
      },
      floor: {
        rate: median(rounds.map((r) => r.floor.rate)),
        p50: median(rounds.map((r) => r.floor.p50)),
        p99: median(rounds.map((r) => r.floor.p99)),
      },
      ratio: median(rounds.map((r) => r.real.rate / r.floor.rate)),
      totalRatio: rounds.reduce((n, r) => n + r.real.rate, 0) / rounds.reduce((n, r) => n + r.floor.rate, 0),
      realServerMs: median(rounds.map((r) => (r.real.serverCores * 1000) / Math.max(r.real.rate, 1))),
      realDbMs: median(rounds.map((r) => (r.real.dbCores * 1000) / Math.max(r.real.rate, 1))),
      floorServerMs: median(rounds.map((r) => (r.floor.serverCores * 1000) / Math.max(r.floor.rate, 1))),
      floorDbMs: median(rounds.map((r) => (r.floor.dbCores * 1000) / Math.max(r.floor.rate, 1))),
      generatorMs: median(rounds.map((r) => (r.real.generatorCores * 1000) / Math.max(r.real.rate, 1))),
    };
    const errors = rounds.reduce((n, r) => n + r.real.errors + r.floor.errors, 0) + lookupErrors + backgroundErrors;
    const cpuCell = (s: Side) =>
      `${s.serverCores.toFixed(2)} / ${s.dbCores.toFixed(2)} / ${s.generatorCores.toFixed(2)} / ${s.busyCores.toFixed(2)}`;
    const roundRows = rounds
      .map(
        (r, i) =>
          `| ${i + 1} | ${r.order.join(', ')} | ${r.real.rate.toFixed(0)} | ${r.real.p50} / ${r.real.p99} ms | ${r.floor.rate.toFixed(0)} | ${r.floor.p50} / ${r.floor.p99} ms | ${(r.real.rate / r.floor.rate).toFixed(2)}× | ${cpuCell(r.real)} | ${cpuCell(r.floor)} | ${r.real.load.toFixed(1)} / ${r.floor.load.toFixed(1)} |`,
      )
      .join('\n');
    const workers = process.env.WEB_CONCURRENCY ? Number(process.env.WEB_CONCURRENCY) : 1;
    const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
    const reconciled = ledger.bad === 0 && ledger.bookings === ledger.audits && ledger.bookings === ledger.keys;
    const pgVersion = execFileSync('psql', ['--version'], { encoding: 'utf8' }).trim();
    writeBenchmarkSection(
      'redeem',
      `## Redemption path against its floor (\`pnpm bench redeem\`)

Machine: ${machineLine()}; PostgreSQL server on the same machine and the same 2 cores (fsync and
synchronous_commit on, ${pgVersion}), reached over TCP (127.0.0.1). The machine is shared with other work:
1-min load average ${rounds[0]!.real.load.toFixed(1)} at the start, ${loadDuringLookup.toFixed(1)} before the lookup part.

Command: \`pnpm bench redeem\`${workers > 1 ? ` with \`WEB_CONCURRENCY=${workers}\`` : ''} (${ROUNDS} rounds of ${SECONDS} s per side, the order rotated each round).
Setup: scratch database, ${CHILDREN} children with participation approvals whose budgets never run out,
${USERS} terminal users, QR codes as scanned, every request a new Idempotency-Key.
**Real** = the server as \`pnpm start\` runs it: compiled by \`pnpm --filter @tk/api build\`, \`node ${SERVER_NODE_FLAGS.join(' ')} dist/server.js\`,
NODE_ENV=production, LOG_LEVEL=info (JSON lines to a file), rate limit on (${RATE_LIMIT_PER_MINUTE.toLocaleString('en')}/min per user,
never tripped), scheduler and audit sealer running, pool ${POOL_SIZE}${workers > 1 ? `, ${workers} workers (node:cluster)` : ', one process'}: bearer token + revocation check, QR signature,
validation, Idempotency-Key, context read + the one booking statement (guarded UPDATE, redemption,
idempotency row, audit row), decline throttle armed. **Floor** = bare Fastify 5 + \`pg\`
(\`scripts/bench/redeem-floor.mjs\`, plain node, pool ${POOL_SIZE}): one guarded \`UPDATE approvals … WHERE remaining_cents >= $2\`
plus one \`INSERT INTO redemptions\` per request (named prepared statements, autocommit), JSON answer.
Both driven by autocannon (keep-alive, ${CONNECTIONS} connections) against the same database; medians of the rounds:

| path | bookings/s | p50 | p99 |
|---|---|---|---|
| real server (production) | ${m.real.rate.toFixed(0)} | ${m.real.p50} ms | ${m.real.p99} ms |
| floor (bare Fastify + pg) | ${m.floor.rate.toFixed(0)} | ${m.floor.p50} ms | ${m.floor.p99} ms |
| ratio real / floor | **${m.ratio.toFixed(2)}×** (median of the rounds' ratios; all bookings of all rounds: ${m.totalRatio.toFixed(2)}×) | | |

Lookup at 200 req/s (8 connections, ${SECONDS} s) while bookings run at half the real rate (${halfRate}/s asked,
${backgroundRate.toFixed(0)}/s served, p99 ${background.latency.p99} ms): lookup p50 ${lookup.latency.p50} ms, **p99 ${lookup.latency.p99} ms**
(${lookup.requests.average} req/s served).

Rounds (CPU in cores during each side: server process${workers > 1 ? ' + workers' : ''} / its PostgreSQL backends / autocannon / whole machine busy; 1-min load average before each side):

| round | order | real/s | real p50 / p99 | floor/s | floor p50 / p99 | ratio | CPU real | CPU floor | load real / floor |
|---|---|---|---|---|---|---|---|---|---|
${roundRows}

Errors: ${errors} (non-2xx, socket errors and timeouts, of both sides and the lookup part; ${warmupErrors} in the unmeasured warm-up). Server log: ${log.lines} lines,
${log.warnings} at warn or above${log.messages.length ? ` (${log.messages.map((m) => `"${m}"`).join(', ')})` : ''}. Ledger after the run: ${ledger.bookings} bookings by the real server, ${ledger.audits}
\`redemption.booked\` audit rows, ${ledger.keys} idempotency keys, ${ledger.floorBookings} floor bookings, ${ledger.bad} approvals where
budget ≠ remaining + booked: ${reconciled ? 'reconciled' : '**not reconciled**'}.

CPU per booking (medians): real server ${m.realServerMs.toFixed(2)} ms + its backends ${m.realDbMs.toFixed(2)} ms;
floor ${m.floorServerMs.toFixed(2)} ms + its backends ${m.floorDbMs.toFixed(2)} ms; autocannon ≈ ${m.generatorMs.toFixed(2)} ms.
All of it shares ${os.cpus().length} cores, so the rate is about ${os.cpus().length} cores / (server + backends + client) per booking.

${
  rounds[0]!.before
    ? `Before/after in the same rounds (\`BENCH_BEFORE_JS\`: an earlier build as a third side in the rotation; its backends share the application name, so the backend figures of both real sides include each other's audit sealing): before ${median(rounds.map((r) => r.before!.rate)).toFixed(0)} bookings/s, p99 ${median(rounds.map((r) => r.before!.p99))} ms, server ${median(rounds.map((r) => (r.before!.serverCores * 1000) / Math.max(r.before!.rate, 1))).toFixed(2)} ms CPU per booking + backends ${median(rounds.map((r) => (r.before!.dbCores * 1000) / Math.max(r.before!.rate, 1))).toFixed(2)} ms; ratio before / floor ${median(rounds.map((r) => r.before!.rate / r.floor.rate)).toFixed(2)}×.\n\n`
    : ''
}Targets: ≥ 0.6× the floor (${verdict(m.ratio >= 0.6)}), p99 ≤ 50 ms (${verdict(m.real.p99 <= 50)}), 0 errors (${verdict(errors === 0)}),
ledger reconciled (${verdict(reconciled)}), lookup p99 ≤ 20 ms at half load (${verdict(lookup.latency.p99 <= 20)}).
${profileSummary ? `\nCPU profile of the real server in this run (\`BENCH_CPU_PROF\`; the profiler itself costs some throughput):\n\n${profileSummary}\n` : ''}`,
    );
    console.log('written to docs/benchmarks.md');
  } finally {
    for (const child of children) await stop(child).catch(() => {});
    rmSync(work, { recursive: true, force: true });
    if (!keep) await admin(serverUrl, `drop database if exists ${name} with (force)`).catch(() => {});
  }
}
