import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { type DbOrTx, queryRows } from './client.ts';

const dialect = new PgDialect();
const statementNames = new Map<string, string>();

interface PgPoolLike {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  totalCount: number;
}

function poolOf(db: DbOrTx): PgPoolLike | null {
  const client = (db as { $client?: unknown }).$client as Partial<PgPoolLike> | undefined;
  return client && typeof client.query === 'function' && typeof client.totalCount === 'number'
    ? (client as PgPoolLike)
    : null;
}

/**
 * Runs a hot-path statement (the booking path). On the PostgreSQL pool it is a named prepared
 * statement (the name derives from the text), so the server parses and plans the booking CTE once
 * per connection instead of on every booking; elsewhere (PGlite, a transaction) it is a plain query.
 * Same SQL, same results: only the protocol differs (ADR 0010).
 */
export async function runPrepared<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const pool = poolOf(db);
  if (!pool) return queryRows<T>(db, query);
  const { sql: text, params } = dialect.sqlToQuery(query);
  let name = statementNames.get(text);
  if (!name) {
    name = `tk_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    if (statementNames.size > 256) statementNames.clear();
    statementNames.set(text, name);
  }
  const result = await pool.query({ name, text, values: params });
  return result.rows as T[];
}
