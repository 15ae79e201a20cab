import { addDays, berlinDate, type Clock, isRetentionDue, newId } from '@tk/core';
import { type Db, LOCK_KEYS, queryRows, retentionRuns } from '@tk/db';
import { deleteExpiredRows, pseudonymiseBeneficiaries, retentionCandidates } from '@tk/db/queries/retention';
import { sql } from 'drizzle-orm';
import { type Actor, audit, auditMany } from '../../lib/audit.ts';
import { deleteExpiredIdempotencyKeys } from '../bookings/bookings.service.ts';
import { getSettings } from '../catalogue/catalogue.service.ts';

export interface RetentionDeleted {
  idempotencyKeys: number;
  declines: number;
  throttleCounters: number;
  familyAccessFailures: number;
  revokedTokens: number;
}

export interface RetentionRunResult {
  id: string;
  dryRun: boolean;
  asOf: string;
  /** Children pseudonymised by this run (a dry run: that it would pseudonymise). */
  pseudonymisedCount: number;
  /** Cards of those children deactivated (blocked). */
  deactivatedCards: number;
  /** Expired rows deleted (a dry run: that it would delete). */
  deleted: RetentionDeleted;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The retention run (runRetention, and a step of the nightly job; docs/privacy.md). Under one advisory
 * lock and in one transaction:
 * - every child whose approvals all ended more than `retentionMonths` ago (last booking day = end of
 *   period + grace period, `isRetentionDue`) and that has nothing unsettled is pseudonymised
 *   (queries/retention.ts): names, birth date and case reference removed, cards blocked, family codes
 *   deleted. Bookings, settlement lines and payments stay, so `pnpm verify` still reconciles;
 * - idempotency keys (through the bookings module), declines, throttle counters, failed family logins
 *   and revoked token ids older than their own settings are deleted.
 * A dry run counts the same and changes nothing. A rerun pseudonymises nobody twice (`pseudonymised_at`).
 * Audited: one `retention.run` row with the counts, one `beneficiary.pseudonymised` row per child (ids only).
 */
export async function runRetention(
  db: Db,
  input: { dryRun: boolean; triggeredBy: 'manual' | 'scheduler' },
  actor: Actor,
  clock: Clock,
): Promise<RetentionRunResult> {
  const now = clock.now();
  const asOf = berlinDate(now);
  return db.transaction(async (tx) => {
    await queryRows(tx, sql`select pg_advisory_xact_lock(${LOCK_KEYS.retentionRun})`);
    const settings = await getSettings(tx);
    const candidates = await retentionCandidates(tx, { before: addDays(asOf, 1) });
    const due = candidates
      .filter((c) => isRetentionDue(c.last_valid_to, settings.gracePeriodMonths, settings.retentionMonths, asOf))
      .map((c) => c.id);

    let pseudonymised = due;
    let deactivatedCards = 0;
    if (!input.dryRun) {
      const done = await pseudonymiseBeneficiaries(tx, { ids: due, at: now, actorId: actor.userId });
      pseudonymised = done.beneficiaries;
      deactivatedCards = done.cards;
    } else if (due.length > 0) {
      const [row] = await queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from cards where status = 'active'
            and beneficiary_id in (select jsonb_array_elements_text(${JSON.stringify(due)}::jsonb))`,
      );
      deactivatedCards = row?.n ?? 0;
    }

    const countersBefore = new Date(now.getTime() - settings.throttleCounterRetentionHours * HOUR_MS);
    const deleted: RetentionDeleted = {
      idempotencyKeys: await deleteExpiredIdempotencyKeys(tx, {
        before: new Date(now.getTime() - settings.idempotencyKeyRetentionDays * DAY_MS),
        dryRun: input.dryRun,
      }),
      ...(await deleteExpiredRows(tx, {
        declinesBefore: new Date(now.getTime() - settings.declineRetentionDays * DAY_MS),
        countersBefore,
        now,
        dryRun: input.dryRun,
      })),
    };

    const id = newId('retentionRun');
    await tx.insert(retentionRuns).values({
      id,
      asOf,
      dryRun: input.dryRun,
      pseudonymisedCount: pseudonymised.length,
      deleted: { ...deleted, deactivatedCards },
      triggeredBy: input.triggeredBy,
      createdAt: now,
      createdBy: actor.userId,
    });
    await audit(tx, actor, {
      action: input.dryRun ? 'retention.dry_run' : 'retention.run',
      entityType: 'retention_run',
      entityId: id,
      data: {
        asOf,
        retentionMonths: settings.retentionMonths,
        pseudonymisedCount: pseudonymised.length,
        deactivatedCards,
        deleted,
      },
    });
    if (!input.dryRun && pseudonymised.length > 0) {
      await auditMany(
        tx,
        actor,
        pseudonymised.map((beneficiaryId) => ({
          action: 'beneficiary.pseudonymised',
          entityType: 'beneficiary',
          entityId: beneficiaryId,
          data: { retentionRunId: id },
        })),
      );
    }
    return { id, dryRun: input.dryRun, asOf, pseudonymisedCount: pseudonymised.length, deactivatedCards, deleted };
  });
}
