import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from './client.ts';
import { migrate } from './migrate.ts';

/**
 * Test databases (ADR 0005): migrate once per test run into a template, give each test file its own
 * copy. PostgreSQL server when `TEST_DATABASE_URL` is set (CREATE DATABASE … TEMPLATE), otherwise
 * PGlite (a dumped data directory loaded per file).
 */
export interface TemplateInfo {
  kind: 'pglite' | 'postgres';
  /** PGlite: path of the dumped template; PostgreSQL: the template database's name. */
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
  const database = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrate(database);
    const dump = await database.pglite!.dumpDataDir('none');
    const file = path.join(tmpdir(), `tk_tmpl_${runId}.tar`);
    await writeFile(file, Buffer.from(await dump.arrayBuffer()));
    return { kind: 'pglite', ref: file };
  } finally {
    await database.close();
  }
}

export async function dropTemplate(info: TemplateInfo): Promise<void> {
  if (info.kind === 'pglite') {
    await rm(info.ref, { force: true });
    return;
  }
  await adminQuery(info.serverUrl!, `drop database if exists ${info.ref} with (force)`);
}

export interface TestDatabase extends Database {
  /** Connection URL of this test's own PostgreSQL database (absent on PGlite). */
  url?: string;
  /** Close and remove the test's database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file. */
export async function openFromTemplate(info: TemplateInfo, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (info.kind === 'pglite') {
    const blob = new Blob([await readFile(info.ref)]);
    const database = await openDatabase({ loadDataDir: blob });
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
