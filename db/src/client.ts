import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { type PgDatabase, type PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** The one database type every service takes: the same drizzle API over PGlite or `pg`. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction has the same query API as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

/**
 * Independent reads, awaited together: concurrently on the database (the pool spreads them over its
 * connections), one after another inside a transaction, which is one connection running one query at a
 * time (pg 8 queues a second query there and warns; pg 9 refuses it).
 */
export async function readTogether<T extends readonly unknown[]>(
  db: DbOrTx,
  reads: readonly [...{ [K in keyof T]: () => Promise<T[K]> }],
): Promise<T> {
  if (!(db instanceof PgTransaction)) return (await Promise.all(reads.map((read) => read()))) as unknown as T;
  const results: unknown[] = [];
  for (const read of reads) results.push(await read());
  return results as unknown as T;
}

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Plain SQL with positional parameters, for tools that bring their own SQL (pg-boss, benchmarks). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  close(): Promise<void>;
  /** Only for PostgreSQL: the pool, e.g. for LISTEN or COPY. */
  pool?: pg.Pool;
  pglite?: PGlite;
}

// Dates stay `YYYY-MM-DD` strings (business dates have no time zone); int8 (sums, counts) become
// numbers: cents stay far below 2^53.
const DATE_OID = 1082;
const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === DATE_OID) return (value: string) => value;
    if (oid === INT8_OID) return (value: string) => Number(value);
    // biome-ignore lint/suspicious/noExplicitAny: pg's own overloads
    return (pg.types.getTypeParser as any)(oid, format);
  },
};

export interface OpenOptions {
  /** PostgreSQL URL; unset opens the embedded PGlite database. */
  databaseUrl?: string | undefined;
  /** Where PGlite persists (`<dataDir>/pglite`); `memory://` for an in-memory database. */
  dataDir?: string | undefined;
  /** A PGlite data directory dump to start from (test templates). */
  loadDataDir?: Blob | File | undefined;
  poolSize?: number | undefined;
  /** PostgreSQL `application_name`, shown in pg_stat_activity. */
  applicationName?: string | undefined;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 20,
      types: pgTypes,
      application_name: options.applicationName ?? 'teilhabekarte',
    });
    // An idle client's error (e.g. the server restarted) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = drizzlePg(pool, { schema, casing: 'snake_case' }) as unknown as Db;
    return {
      kind: 'postgres',
      db,
      pool,
      query: async <T>(text: string, params?: unknown[]) =>
        (await pool.query(text, params)) as unknown as { rows: T[] },
      close: () => pool.end(),
    };
  }
  let dataLocation = 'memory://';
  if (options.dataDir && options.dataDir !== 'memory://') {
    dataLocation = path.resolve(options.dataDir, 'pglite');
    mkdirSync(dataLocation, { recursive: true });
  }
  const pglite = await PGlite.create({
    dataDir: options.loadDataDir ? undefined : dataLocation,
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    // btree_gist backs the exclusion constraint against overlapping approvals (as on the server).
    extensions: { btree_gist },
    parsers: { [DATE_OID]: (value: string) => value, [INT8_OID]: (value: string) => Number(value) },
  });
  const db = drizzlePglite(pglite, { schema, casing: 'snake_case' }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    pglite,
    query: async <T>(text: string, params?: unknown[]) => pglite.query<T>(text, params),
    close: () => pglite.close(),
  };
}

/** Rows of a raw SQL statement, the same on both drivers. */
export async function queryRows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
