import { createHash } from 'node:crypto';
import { is, Placeholder, type SQL, sql } from 'drizzle-orm';
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
  const result = await pool.query({ name: statementName(text), text, values: params });
  return result.rows as T[];
}

/** The prepared statement's name for a text: derived from it, so every process names it alike. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `tk_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    if (statementNames.size > 256) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/** The values of a hot statement, by name: what its builder refers to as `v.<name>`. */
export type StatementValues = Record<string, unknown>;

/** A hot-path statement of one fixed shape (ADR 0010, issue 15): its SQL text is rendered once. */
export interface HotStatement<V extends StatementValues> {
  /** The statement with these values bound, as drizzle SQL (PGlite, transactions, tools that render or explain it). */
  sql(values: V): SQL;
  /** Runs it: on the PostgreSQL pool a named prepared statement whose text was rendered once, else `sql(values)`. */
  run<T>(db: DbOrTx, values: V): Promise<T[]>;
}

/**
 * A statement built once per process instead of once per call. `build` receives `v`, whose members stand
 * for the values (`${v.amountCents}::int`), and must not branch on them: a statement with two shapes is two
 * hot statements. On the pool the text, the order of its parameters and the prepared statement's name are
 * computed on the first call; each later call only puts the values in that order. Drizzle rendered the same
 * text anew for every booking (≈ 4 % of the server's CPU per booking, docs/benchmarks.md). The SQL is the
 * same in both paths, and values are always bound parameters.
 */
export function hotStatement<V extends StatementValues>(build: (v: { readonly [K in keyof V]: SQL }) => SQL) {
  const byValue = (values: V) =>
    new Proxy({} as { [K in keyof V]: SQL }, { get: (_target, name: string) => sql`${values[name]}` });
  const byName = new Proxy({} as { [K in keyof V]: SQL }, {
    get: (_target, name: string) => sql`${sql.placeholder(name)}`,
  });
  let rendered: { name: string; text: string; order: { placeholder: string | null; value: unknown }[] } | null = null;
  const render = () => {
    const { sql: text, params } = dialect.sqlToQuery(build(byName));
    const order = params.map((p) =>
      is(p, Placeholder) ? { placeholder: p.name, value: undefined } : { placeholder: null, value: p },
    );
    rendered = { name: statementName(text), text, order };
    return rendered;
  };
  const statement: HotStatement<V> = {
    sql: (values) => build(byValue(values)),
    async run<T>(db: DbOrTx, values: V): Promise<T[]> {
      const pool = poolOf(db);
      if (!pool) return queryRows<T>(db, statement.sql(values));
      const { name, text, order } = rendered ?? render();
      const params = order.map((p) => (p.placeholder === null ? p.value : values[p.placeholder]));
      const result = await pool.query({ name, text, values: params });
      return result.rows as T[];
    },
  };
  return statement;
}
