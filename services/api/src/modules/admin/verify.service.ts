import { type Clock, systemClock } from '@tk/core';
import type { Db, DbOrTx } from '@tk/db';
import { countViolations, INVARIANTS, ledgerCounts } from '@tk/db/queries/verify';
import { sealAuditChain, verifyAuditChain } from '../../lib/audit-chain.ts';

/**
 * The invariant checker (`pnpm verify`, GET /api/v1/admin/verify): reads the whole database and checks,
 * to the cent, what must hold after every commit. It writes nothing. Any violation makes `ok` false.
 */
export interface InvariantCheck {
  name: string;
  description: string;
  violations: number;
  samples: Record<string, unknown>[];
}

export interface InvariantReport {
  ok: boolean;
  checkedAt: string;
  counts: Record<string, number>;
  checks: InvariantCheck[];
}

const SAMPLE_LIMIT = 5;

/** Runs every check in one read-only snapshot (REPEATABLE READ) so the figures belong together. */
export async function verifyInvariants(db: DbOrTx, clock: Clock = systemClock): Promise<InvariantReport> {
  const run = async (tx: DbOrTx): Promise<InvariantReport> => {
    const checks: InvariantCheck[] = [];
    for (const check of INVARIANTS) {
      const { n, samples } = await countViolations(tx, check, SAMPLE_LIMIT);
      checks.push({ name: check.name, description: check.description, violations: n, samples });
    }
    const chain = await verifyAuditChain(tx);
    checks.push({
      name: 'audit_chain',
      description: 'every sealed audit row links to the one before it (no row edited, deleted or inserted)',
      violations: chain.problems.length,
      samples: chain.problems.slice(0, SAMPLE_LIMIT).map((p) => ({ ...p })),
    });
    return {
      ok: checks.every((c) => c.violations === 0),
      checkedAt: clock.now().toISOString(),
      counts: { ...(await ledgerCounts(tx)), auditSealed: chain.sealedCount, auditUnsealed: chain.unsealedCount },
      checks,
    };
  };
  if ('transaction' in db) {
    return db.transaction(async (tx) => run(tx), { isolationLevel: 'repeatable read', accessMode: 'read only' });
  }
  return run(db);
}

/** Seals the audit chain (everything committed so far), then checks: what `pnpm verify` and the admin route run. */
export async function sealAndVerify(db: Db, clock: Clock = systemClock): Promise<InvariantReport> {
  await sealAuditChain(db);
  return verifyInvariants(db, clock);
}

/** The report as text: one line per check, samples of violations below it. */
export function formatReport(report: InvariantReport): string {
  const lines = [`Invariant check ${report.ok ? 'PASSED' : 'FAILED'} at ${report.checkedAt}`];
  lines.push(
    `  ${Object.entries(report.counts)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  for (const c of report.checks) {
    lines.push(
      `  ${c.violations === 0 ? 'ok  ' : 'FAIL'} ${c.name}: ${c.description}${c.violations ? ` (${c.violations} violations)` : ''}`,
    );
    for (const s of c.samples) lines.push(`         ${JSON.stringify(s)}`);
  }
  return lines.join('\n');
}
