import { createHash } from 'node:crypto';
import { type Db, type DbOrTx, LOCK_KEYS, queryRows } from '@tk/db';
import { sql } from 'drizzle-orm';

/**
 * The audit log's hash chain (ADR 0023). Rows are written by every use case inside its own
 * transaction, unchained, so no booking waits for the one before it. After commit the sealing step
 * takes the unsealed rows in id order under one advisory lock and gives each the next `chain_seq`
 * and `chain_hash = sha256(previous chain_hash + "\n" + canonical content)`. A row that commits late
 * with a lower id is simply sealed in the next round, with a higher `chain_seq`: never lost, and
 * the chain stays a line. Verification recomputes every link and names the rows that break it.
 */

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical content of a row: a JSON array of its columns, timestamps in UTC with microseconds
 * and `data` in jsonb's normalised text form, so the same row always gives the same text.
 */
const CANONICAL = sql`json_build_array(id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  actor_id, action, entity_type, entity_id, request_id, data::text)::text`;

export const linkHash = (previousHash: string, canonical: string) =>
  createHash('sha256').update(`${previousHash}\n${canonical}`).digest('hex');

export interface ChainHead {
  chainSeq: number;
  hash: string;
}

async function head(db: DbOrTx): Promise<ChainHead> {
  const [row] = await queryRows<{ chain_seq: string | number; chain_hash: string }>(
    db,
    sql`select chain_seq, chain_hash from audit_log where chain_seq is not null order by chain_seq desc limit 1`,
  );
  return row ? { chainSeq: Number(row.chain_seq), hash: row.chain_hash } : { chainSeq: 0, hash: GENESIS_HASH };
}

/**
 * Seals every committed, unsealed audit row (in rounds of `batchSize`); returns how many and the new
 * head. Safe to run from several processes at once: the advisory lock lets one seal at a time.
 */
export async function sealAuditChain(db: Db, batchSize = 5000): Promise<{ sealed: number; head: ChainHead }> {
  let sealed = 0;
  for (;;) {
    const round = await db.transaction(async (tx) => {
      await queryRows(tx, sql`select pg_advisory_xact_lock(${LOCK_KEYS.auditSeal})`);
      let current = await head(tx);
      const rows = await queryRows<{ id: string | number; canonical: string }>(
        tx,
        sql`select id, ${CANONICAL} as canonical from audit_log where chain_seq is null order by id limit ${batchSize}`,
      );
      if (rows.length === 0) return { count: 0, head: current };
      const links: { id: number; seq: number; hash: string }[] = [];
      for (const row of rows) {
        const hash = linkHash(current.hash, row.canonical);
        current = { chainSeq: current.chainSeq + 1, hash };
        links.push({ id: Number(row.id), seq: current.chainSeq, hash });
      }
      // One statement per round (a JSON parameter: drizzle would spread a JS array into a tuple).
      await queryRows(
        tx,
        sql`update audit_log a set chain_seq = v.seq, chain_hash = v.hash
            from jsonb_to_recordset(${JSON.stringify(links)}::jsonb) as v(id bigint, seq bigint, hash text)
            where a.id = v.id`,
      );
      return { count: rows.length, head: current };
    });
    sealed += round.count;
    if (round.count < batchSize) return { sealed, head: round.head };
  }
}

export interface ChainProblem {
  kind: 'edited' | 'inserted' | 'missing' | 'incomplete';
  id: number | null;
  chainSeq: number | null;
  detail: string;
}

export interface ChainReport {
  ok: boolean;
  sealedCount: number;
  unsealedCount: number;
  head: ChainHead;
  problems: ChainProblem[];
}

/**
 * Recomputes every link of the chain. An edited row no longer matches its own hash but the next row
 * still links to that hash; an inserted (or renumbered) row matches neither; a deleted row leaves a
 * gap in `chain_seq`. Reads in pages of `pageSize`; writes nothing.
 */
export async function verifyAuditChain(db: DbOrTx, pageSize = 10_000): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  let previous = { chainSeq: 0, hash: GENESIS_HASH };
  // A row that does not match its hash is held back one step: the row after it tells an edit (it still
  // links to the suspect's stored hash) from an insert (it links to the hash before the suspect).
  let suspect: { id: number; chainSeq: number; hash: string; previousHash: string } | null = null;
  let sealedCount = 0;
  for (;;) {
    const rows = await queryRows<{
      id: string | number;
      chain_seq: string | number;
      chain_hash: string | null;
      canonical: string;
    }>(
      db,
      sql`select id, chain_seq, chain_hash, ${CANONICAL} as canonical from audit_log
          where chain_seq > ${previous.chainSeq} order by chain_seq limit ${pageSize}`,
    );
    for (const row of rows) {
      const id = Number(row.id);
      const chainSeq = Number(row.chain_seq);
      sealedCount++;
      let linked = false;
      if (suspect) {
        const { id: suspectId, chainSeq: suspectSeq } = suspect;
        if (row.chain_hash === linkHash(suspect.previousHash, row.canonical)) {
          problems.push({
            kind: 'inserted',
            id: suspectId,
            chainSeq: suspectSeq,
            detail: 'row not in the chain as sealed (inserted)',
          });
          linked = true;
        } else if (row.chain_hash === linkHash(suspect.hash, row.canonical)) {
          problems.push({
            kind: 'edited',
            id: suspectId,
            chainSeq: suspectSeq,
            detail: 'content changed after sealing',
          });
          linked = true;
        } else {
          problems.push({
            kind: 'edited',
            id: suspectId,
            chainSeq: suspectSeq,
            detail: 'the chain breaks at this row',
          });
        }
        suspect = null;
      }
      if (chainSeq !== previous.chainSeq + 1) {
        problems.push({
          kind: 'missing',
          id: null,
          chainSeq: previous.chainSeq + 1,
          detail: `chain_seq ${previous.chainSeq + 1}…${chainSeq - 1} missing (deleted) before row ${id}`,
        });
        linked = true; // the link to the deleted row cannot be checked
      }
      if (!row.chain_hash) {
        problems.push({ kind: 'incomplete', id, chainSeq, detail: 'chain_seq without chain_hash' });
      } else if (!linked && row.chain_hash !== linkHash(previous.hash, row.canonical)) {
        suspect = { id, chainSeq, hash: row.chain_hash, previousHash: previous.hash };
      }
      previous = { chainSeq, hash: row.chain_hash ?? '' };
    }
    if (rows.length < pageSize) break;
  }
  if (suspect) {
    // The last row: nothing after it to tell an edit from an insert.
    problems.push({ kind: 'edited', id: suspect.id, chainSeq: suspect.chainSeq, detail: 'does not match its hash' });
  }
  const [unsealed] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from audit_log where chain_seq is null`,
  );
  return {
    ok: problems.length === 0,
    sealedCount,
    unsealedCount: Number(unsealed?.n ?? 0),
    head: previous,
    problems,
  };
}

/** The sealing step every few seconds (the server's scheduler); errors are logged, the next round retries. */
export function startAuditSealer(
  db: Db,
  log: { error: (obj: object, msg: string) => void },
  intervalMs = 5000,
): { stop: () => Promise<void> } {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sealAuditChain(db)
      .catch((err) => log.error({ err }, 'audit chain sealing failed'))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
