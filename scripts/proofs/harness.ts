import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { newId } from '@tk/core';
import { auditLog, type Database, migrate, openDatabase, users } from '@tk/db';
import pg from 'pg';
import { generateJwk } from '../../services/api/src/lib/keys.ts';
import { hashPassword } from '../../services/api/src/lib/password.ts';

/** Shared pieces of the proof and benchmark scripts: scratch databases, real server processes, users. */
export const API_DIR = fileURLToPath(new URL('../../services/api', import.meta.url));
export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const PASSWORD = 'proof-password-2026';

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export async function scratchDatabase(
  serverUrl: string,
  prefix: string,
  options: { poolSize?: number } = {},
): Promise<{ url: string; database: Database; drop(): Promise<void> }> {
  // PROOF_DATABASE_PREFIX (e.g. `tk_me_`) prefixes the name on a shared server.
  const name = `${process.env.PROOF_DATABASE_PREFIX ?? ''}${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const opened = await openServerDatabase(serverUrl, name, options.poolSize ?? 10);
  await migrate(opened.database);
  return opened;
}

/** An existing database on the server, opened (not migrated); `drop()` closes and removes it. */
export async function openServerDatabase(
  serverUrl: string,
  name: string,
  poolSize: number,
): Promise<{ url: string; database: Database; drop(): Promise<void> }> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`not a database name: ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize });
  return {
    url: url.toString(),
    database,
    drop: async () => {
      await database.close().catch(() => {});
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const handedOut = new Set<number>();

/** A free TCP port: from `PROOF_PORTS` (`from-to`, e.g. a shared machine's own range) if set, else any. */
export async function freePort(): Promise<number> {
  const range = process.env.PROOF_PORTS?.split('-').map(Number);
  if (range?.length === 2) {
    for (let port = range[0]!; port <= range[1]!; port++) {
      // Not one handed out before: a proof may ask for two ports before it starts either server.
      if (!handedOut.has(port) && (await portIsFree(port))) {
        handedOut.add(port);
        return port;
      }
    }
    throw new Error(`no free port in ${process.env.PROOF_PORTS}`);
  }
  return listenOn(0);
}

const portIsFree = (port: number) =>
  listenOn(port).then(
    () => true,
    () => false,
  );

function listenOn(wanted: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(wanted, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Fixed keys for all processes of one proof, so tokens survive restarts and work on every instance. */
export async function proofKeys(): Promise<Record<string, string>> {
  return {
    ACCESS_TOKEN_KEYS: JSON.stringify([await generateJwk('acc-proof')]),
    CARD_TOKEN_KEYS: JSON.stringify([await generateJwk('card-proof')]),
    PROOF_SIGNING_KEYS: JSON.stringify([await generateJwk('period-proof')]),
  };
}

export interface ServerProcess {
  baseUrl: string;
  start(): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
  running(): boolean;
}

/** The real API (`src/server.ts`) as a child process, as production runs it. */
export function apiServer(databaseUrl: string, port: number, env: Record<string, string>): ServerProcess {
  let child: ChildProcess | undefined;
  const baseUrl = `http://127.0.0.1:${port}`;
  const waitExit = (c: ChildProcess) =>
    new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode ? resolve() : c.once('exit', () => resolve())));
  return {
    baseUrl,
    running: () => Boolean(child && child.exitCode === null && !child.signalCode),
    async start() {
      child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: API_DIR,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          DATABASE_URL: databaseUrl,
          PORT: String(port),
          HOST: '127.0.0.1',
          SEED: 'none',
          SCHEDULER: 'false',
          SERVE_WEB: 'false',
          LOG_LEVEL: 'error',
          RATE_LIMIT_PER_MINUTE: '100000000',
          DECLINES_PER_CARD_PER_DAY: '100000000',
          ...env,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
        try {
          const res = await fetch(`${baseUrl}/readyz`);
          if (res.ok) return;
        } catch {}
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('server did not become ready in 60 s');
    },
    async kill9() {
      if (!child) return;
      child.kill('SIGKILL');
      await waitExit(child);
    },
    async stop() {
      if (!child) return;
      child.kill('SIGTERM');
      await waitExit(child);
    },
  };
}

export async function createUser(
  db: Database['db'],
  role: 'provider_staff' | 'accounting' | 'admin',
  providerId: string | null,
) {
  const id = newId('user');
  const username = `${role}-${id.slice(-8)}`;
  await db.insert(users).values({ id, username, passwordHash: await hashPassword(PASSWORD), role, providerId });
  await db.insert(auditLog).values({ action: 'user.created', entityType: 'user', entityId: id, data: { role } });
  return username;
}

export async function login(baseUrl: string, username: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
