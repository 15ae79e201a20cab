import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Database, openDatabase } from './client.ts';
import { MIGRATIONS_FOLDER, migrate } from './migrate.ts';

/**
 * Test databases (ADR 0005): migrate once into a template, give each test file its own copy.
 * PostgreSQL server when `TEST_DATABASE_URL` is set (CREATE DATABASE … TEMPLATE, a new template per
 * run), otherwise PGlite (a dumped data directory loaded per file, cached between runs by content).
 * `TEST_DATABASE_PREFIX` (default `tk_`) prefixes the server databases, so several checkouts can share
 * one server.
 */
export interface TemplateInfo {
  kind: 'pglite' | 'postgres';
  /** PGlite: path of the dumped template (a cache file); PostgreSQL: the template database's name. */
  ref: string;
  serverUrl?: string;
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Name prefix of test databases on a shared server (`TEST_DATABASE_PREFIX`, default `tk_`). */
const prefix = () => {
  const value = process.env.TEST_DATABASE_PREFIX ?? 'tk_';
  if (!/^[a-z_][a-z0-9_]*$/.test(value))
    throw new Error(`TEST_DATABASE_PREFIX must be a lower-case identifier: ${value}`);
  return value;
};
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE_DIR = path.join(REPO_ROOT, 'node_modules/.cache/teilhabekarte');

/**
 * What the PGlite template is made of: the migrations, the code that applies and dumps them, and the
 * locked dependency versions (PGlite, drizzle). Any change makes a new template.
 */
async function templateKey(): Promise<string> {
  const hash = createHash('sha256');
  const migrations = (await readdir(MIGRATIONS_FOLDER, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  const here = fileURLToPath(new URL('.', import.meta.url));
  const inputs = [
    ...migrations,
    ...['migrate.ts', 'client.ts', 'testing.ts'].map((f) => path.join(here, f)),
    path.join(REPO_ROOT, 'pnpm-lock.yaml'),
  ];
  for (const file of inputs) hash.update(path.relative(REPO_ROOT, file)).update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}

/** A freshly migrated PGlite data directory as a tarball (≈ 5 s: initdb, then the migrations). */
async function dumpMigratedPglite(): Promise<Buffer> {
  const database = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrate(database);
    // A test's PGlite is one session on this one database and never creates another: without the two
    // template databases every copy is a third smaller and starts about 0.2 s of a core sooner.
    for (const name of ['template0', 'template1']) {
      await database.query(`alter database ${name} is_template false`);
      await database.query(`drop database ${name}`);
    }
    // A checkpoint last: every copy then starts without replaying the migrations' WAL.
    await database.query('checkpoint');
    const dump = await database.pglite!.dumpDataDir('none');
    return Buffer.from(await dump.arrayBuffer());
  } finally {
    await database.close();
  }
}

export async function createTemplate(serverUrl = process.env.TEST_DATABASE_URL): Promise<TemplateInfo> {
  const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
  if (serverUrl) {
    const name = `${prefix()}tmpl_${runId}`;
    await adminQuery(serverUrl, `create database ${name}`);
    const database = await openDatabase({ databaseUrl: databaseUrl(serverUrl, name), poolSize: 1 });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
    return { kind: 'postgres', ref: name, serverUrl };
  }
  const name = `template-${await templateKey()}.tar`;
  const file = path.join(CACHE_DIR, name);
  if ((await stat(file).catch(() => undefined))?.size) return { kind: 'pglite', ref: file };
  const dump = await dumpMigratedPglite();
  await mkdir(CACHE_DIR, { recursive: true });
  // Written under a temporary name and renamed: a run beside this one never reads half a file.
  await writeFile(`${file}.${runId}`, dump);
  await rename(`${file}.${runId}`, file);
  for (const old of await readdir(CACHE_DIR)) {
    if (old.startsWith('template-') && old.endsWith('.tar') && old !== name)
      await rm(path.join(CACHE_DIR, old), { force: true });
  }
  return { kind: 'pglite', ref: file };
}

export async function dropTemplate(info: TemplateInfo): Promise<void> {
  // The PGlite template stays in the cache for the next run.
  if (info.kind === 'pglite') return;
  await adminQuery(info.serverUrl!, `drop database if exists ${info.ref} with (force)`);
}

export interface TestDatabase extends Database {
  /** Connection URL of this test's own PostgreSQL database (absent on PGlite). */
  url?: string;
  /** Close and remove the test's database. */
  drop(): Promise<void>;
}

const templateBlobs: Record<string, Promise<Blob>> = {};

/** A fresh, migrated database of its own for one test file. */
export async function openFromTemplate(info: TemplateInfo, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (info.kind === 'pglite') {
    // Read once per worker process; PGlite copies the tarball into its own file system.
    templateBlobs[info.ref] ??= readFile(info.ref).then((bytes) => new Blob([bytes]));
    const database = await openDatabase({ loadDataDir: await templateBlobs[info.ref] });
    return { ...database, drop: () => database.close() };
  }
  const name = `${prefix()}t_${randomBytes(6).toString('hex')}`;
  // Two files may clone the template at the same moment; PostgreSQL refuses while another clone runs.
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(info.serverUrl!, `create database ${name} template ${info.ref}`);
      break;
    } catch (err) {
      if (attempt >= 20 || !String((err as Error).message).includes('being accessed')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  const url = databaseUrl(info.serverUrl!, name);
  const database = await openDatabase({ databaseUrl: url, poolSize: options.poolSize ?? 40 });
  return {
    ...database,
    url,
    drop: async () => {
      await database.close();
      await adminQuery(info.serverUrl!, `drop database if exists ${name} with (force)`);
    },
  };
}
