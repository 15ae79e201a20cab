import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from './client.ts';

/**
 * Many rows in one statement: the rows travel as one JSON parameter and `jsonb_to_recordset` turns
 * them into a relation (one bind parameter whatever the row count, no per-row SQL building in Node;
 * the same SQL on PGlite and PostgreSQL). `columns` lists the columns with types, e.g.
 * `id text, birth_date date`; the JSON keys are the column names.
 */
export async function insertMany<T = never>(
  tx: DbOrTx,
  table: string,
  columns: string,
  rows: Record<string, unknown>[],
  tail = '',
): Promise<T[]> {
  if (rows.length === 0) return [];
  const names = columns
    .split(',')
    .map((c) => c.trim().split(/\s+/)[0])
    .join(', ');
  return queryRows<T>(
    tx,
    sql`insert into ${sql.raw(table)} (${sql.raw(names)}) select ${sql.raw(names)} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${sql.raw(columns)}) ${sql.raw(tail)}`,
  );
}
