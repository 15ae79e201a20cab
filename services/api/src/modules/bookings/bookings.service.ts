import { berlinDate, type Clock, lapseCutoff, newId, requestHash } from '@tk/core';
import { type Db, type DbOrTx, isCheckViolation, isUniqueViolation, type Tx } from '@tk/db';
import type { BookingPlan } from '@tk/db/queries/bookings';
import * as ledger from '@tk/db/queries/bookings';
import type { StoredAnswer } from '@tk/db/queries/terminal';
import { type Actor, audit } from '../../lib/audit.ts';
import { getSettings } from '../catalogue/catalogue.service.ts';
import { ApprovalNotActive } from '../terminal/terminal.errors.ts';
import { AlreadyReversed, IdempotencyKeyReused, RedemptionNotFound } from './bookings.errors.ts';

/**
 * The bookings module is the ledger's only writer (ADR 0016): redemptions, reversals, lapse entries
 * (ADR 0030), idempotency keys and the cached balance `approvals.remaining_cents`. The terminal, settlement, the approvals
 * of casework and the imports decide *what* to book; this module books it, and nothing else does.
 */

/** An idempotent write: its scope (e.g. one provider's terminal), the client's key and the request's hash. */
export interface IdempotentRequest {
  scope: string;
  key: string;
  requestHash: string;
}

export interface Outcome<T> {
  status: number;
  /** True when a stored answer was returned instead of writing again. */
  replayed: boolean;
  body: T;
}

/** The terminal's idempotency scope: keys are per provider. */
export const providerScope = (providerId: string) => `terminal:${providerId}`;
const CITY_SCOPE = 'city';
const KEY_CONSTRAINT = 'idempotency_keys_scope_key_pk';

/**
 * The one idempotency rule: an answer stored under the key replays when the request hash matches;
 * another request under the same key is 422 `idempotency_key_reused`. Null when nothing is stored.
 */
export function replayStored<T>(stored: StoredAnswer | null, hash: string): Outcome<T> | null {
  if (!stored) return null;
  if (stored.requestHash !== hash) throw new IdempotencyKeyReused();
  return { status: stored.status, replayed: true, body: stored.response as T };
}

/**
 * Runs a multi-statement write at most once per key: a stored answer replays; otherwise one
 * transaction claims the key first (a concurrent duplicate waits on it, then replays the answer
 * committed with it), runs `write` and stores its answer. Without a request it is a plain transaction.
 */
export async function withIdempotency<T>(
  db: Db,
  request: IdempotentRequest | null,
  at: Date,
  write: (tx: Tx) => Promise<{ status: number; body: T }>,
): Promise<Outcome<T>> {
  if (!request) return { ...(await db.transaction(write)), replayed: false };
  const earlier = replayStored<T>(await ledger.findStoredAnswer(db, request), request.requestHash);
  if (earlier) return earlier;
  try {
    return await db.transaction(async (tx) => {
      await ledger.claimKey(tx, { ...request, at });
      const result = await write(tx);
      await ledger.storeAnswer(tx, { scope: request.scope, key: request.key, ...result, response: result.body });
      return { ...result, replayed: false };
    });
  } catch (err) {
    if (isUniqueViolation(err, KEY_CONSTRAINT)) {
      const stored = replayStored<T>(await ledger.findStoredAnswer(db, request), request.requestHash);
      if (stored) return stored;
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// book

export type { BookingPlan } from '@tk/db/queries/bookings';

/** The answer to a booking (also stored with its idempotency key). */
export interface BookingResult {
  id: string;
  approvalId: string;
  amountCents: number;
  serviceDate: string;
  availableCents?: number;
}

/**
 * Books one redemption in ONE statement (ADR 0010): the guarded balance update (never below zero;
 * card, approval and provider re-checked), the redemption, the idempotency key with the answer and
 * the audit row commit together or not at all. Returns null when the booking lost a race (the guard
 * matched nothing, another request took the key or the lunch slot, or the CHECK refused): the caller
 * reads again and decides anew, so a stale read can never book.
 */
export async function book(
  db: DbOrTx,
  plan: BookingPlan,
  request: IdempotentRequest,
  actor: Actor & { userId: string; providerId: string },
  at: Date,
): Promise<Outcome<BookingResult> | null> {
  const id = newId('redemption');
  try {
    const booked = await ledger.insertBooking(db, {
      id,
      ...plan,
      providerId: actor.providerId,
      debitsBudget: plan.benefitType !== 'lunch',
      bookedAt: at,
      bookedBy: actor.userId,
      requestId: actor.requestId,
      idempotency: request,
    });
    if (!booked) return null;
    const body: BookingResult = {
      id,
      approvalId: plan.approvalId,
      amountCents: plan.amountCents,
      serviceDate: plan.serviceDate,
      ...(booked.remainingCents !== null ? { availableCents: booked.remainingCents } : {}),
    };
    return { status: 201, replayed: false, body };
  } catch (err) {
    if (isUniqueViolation(err) || isCheckViolation(err, 'approvals_remaining_nonnegative')) return null;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// reverse

/** Who reverses: the provider that booked (its own redemptions only), or the city with a recorded reason. */
export type Reverser = { kind: 'provider'; providerId: string } | { kind: 'city'; reason: string };

export interface ReversalResult {
  id: string;
  status: 'reversed';
  reversalId: string;
  kind: 'void' | 'correction';
  amountCents: number;
}

/**
 * Reverses a redemption (Storno), for the provider and the city alike. Locks the redemption; not
 * yet settled it is voided (`void`, never paid), settled it becomes a `correction` (a negative line
 * in the provider's next batch; the settled batch is never edited). The amount returns to the
 * approval's budget in the same transaction, and the reversal is audited. With an Idempotency-Key a
 * retry replays the answer. A provider sees only its own redemptions (another's is 404).
 * When the approval has already lapsed, the returned amount lapses again at once (a further lapse entry).
 * Throws 404 `redemption_not_found`, 409 `already_reversed`, 422 `idempotency_key_reused`.
 */
export async function reverse(
  db: Db,
  input: { redemptionId: string; by: Reverser; reason?: string | undefined; idempotencyKey?: string | undefined },
  actor: Actor,
  at: Date,
): Promise<Outcome<ReversalResult>> {
  const { redemptionId, by } = input;
  const reason = by.kind === 'city' ? by.reason : (input.reason ?? null);
  const request = input.idempotencyKey
    ? {
        scope: by.kind === 'provider' ? providerScope(by.providerId) : CITY_SCOPE,
        key: input.idempotencyKey,
        requestHash: await requestHash('reverse', { id: redemptionId, reason: reason ?? undefined }),
      }
    : null;
  return withIdempotency(db, request, at, async (tx) => {
    const redemption = await ledger.lockRedemption(tx, {
      redemptionId,
      providerId: by.kind === 'provider' ? by.providerId : null,
    });
    if (!redemption) throw new RedemptionNotFound();
    if (redemption.status !== 'booked') throw new AlreadyReversed();
    const kind = redemption.settled ? 'correction' : 'void';
    const reversalId = newId('reversal');
    await ledger.insertReversal(tx, { id: reversalId, redemption, kind, reason, at, by: actor.userId ?? 'system' });
    // On an approval that has lapsed, the amount that came back lapses too (ADR 0030): its balance stays 0.
    const lapsedCents = await ledger.lapseReversal(tx, {
      reversalId,
      approvalId: redemption.approvalId,
      amountCents: redemption.amountCents,
      at,
      by: actor.userId,
      requestId: actor.requestId,
    });
    await audit(tx, actor, {
      action: by.kind === 'provider' ? 'redemption.reversed' : 'redemption.reversed_by_city',
      entityType: 'redemption',
      entityId: redemption.id,
      data: {
        reversalId,
        kind,
        amountCents: redemption.amountCents,
        approvalId: redemption.approvalId,
        providerId: redemption.providerId,
        hasReason: reason !== null,
        ...(lapsedCents > 0 ? { lapsedCents } : {}),
      },
    });
    const body: ReversalResult = {
      id: redemption.id,
      status: 'reversed',
      reversalId,
      kind,
      amountCents: redemption.amountCents,
    };
    return { status: 200, body };
  });
}

// ---------------------------------------------------------------------------------------------
// budgets and settlement claims

/** Opens the balance of newly recorded approvals at their budget (in the caller's transaction). */
export function openBudgets(tx: DbOrTx, approvalIds: string[]): Promise<void> {
  return ledger.openBudgets(tx, approvalIds);
}

/**
 * Sets an approval's new budget and moves its balance by the same delta (in the caller's
 * transaction). False when that would take the balance below zero, i.e. the budget below what is booked.
 * Throws 409 `approval_not_active` when the approval has lapsed (ADR 0030): a lapsed budget is closed.
 */
export async function changeBudget(tx: DbOrTx, approvalId: string, budgetCents: number | null): Promise<boolean> {
  if (await ledger.changeBudget(tx, { approvalId, budgetCents })) return true;
  if (await ledger.hasLapsed(tx, approvalId)) {
    throw new ApprovalNotActive(
      'The remaining budget of this approval has lapsed; its budget can no longer be changed.',
    );
  }
  return false;
}

export type { SettlementClaim } from '@tk/db/queries/bookings';

/**
 * Claims for a settlement run every unsettled booked redemption and correction booked before
 * midnight Berlin of `cutoffDate` among the rows written from transaction `fromTxid` on, writing one
 * settlement line each into the run's batches (in the run's transaction, under its advisory lock);
 * nothing else is written per booking (ADR 0031). Returns per-batch totals.
 */
export function claimForSettlement(tx: Tx, params: { runId: string; cutoffDate: string; fromTxid: number }) {
  return ledger.claimForSettlement(tx, params);
}

/**
 * Retention of the ledger's idempotency keys (the retention run, docs/privacy.md): deletes the keys stored
 * before `before` (or only counts them on a dry run). Bookings themselves are never deleted.
 */
export function deleteExpiredIdempotencyKeys(db: DbOrTx, params: { before: Date; dryRun: boolean }): Promise<number> {
  return ledger.deleteIdempotencyKeys(db, params);
}

// ---------------------------------------------------------------------------------------------
// lapse

export interface LapseRunResult {
  id: string;
  approvalCount: number;
  lapsedCents: number;
}

/** How many approvals one chunk of a lapse run locks and lapses in one transaction. */
export const LAPSE_CHUNK = 2000;

/**
 * The lapse run (runLapse, ADR 0030): every approval whose last booking day (end of period + grace
 * period, `lastBookingDay`) lies before `asOf` and that still has budget gets ONE lapse entry for its
 * balance, which goes to 0. Set-based in chunks of `chunkSize` approvals, each chunk one statement in
 * its own transaction: a crash leaves finished chunks (consistent, each approval fully lapsed or not at
 * all) and the next run completes the rest. The unique index on the remainder entry makes a rerun or a
 * concurrent run lapse nothing twice. `afterChunk` is a test hook (crash simulation).
 */
export async function runLapse(
  db: Db,
  input: { asOf?: string | undefined; triggeredBy: string; chunkSize?: number; afterChunk?: (n: number) => void },
  actor: Actor,
  clock: Clock,
): Promise<LapseRunResult> {
  const asOf = input.asOf ?? berlinDate(clock.now());
  const lastValidTo = lapseCutoff(asOf, (await getSettings(db)).gracePeriodMonths);
  const id = newId('lapseRun');
  await ledger.insertLapseRun(db, { id, asOf, triggeredBy: input.triggeredBy, at: clock.now() });
  const limit = input.chunkSize ?? LAPSE_CHUNK;
  for (let chunk = 1; ; chunk++) {
    const done = await db.transaction((tx) =>
      ledger.lapseDueChunk(tx, {
        runId: id,
        lastValidTo,
        at: clock.now(),
        by: actor.userId,
        requestId: actor.requestId,
        limit,
      }),
    );
    // A locked approval a booking emptied meanwhile is not due any more: the next chunk moves on.
    if (done.locked === 0) break;
    input.afterChunk?.(chunk);
  }
  await db.transaction(async (tx) => {
    await ledger.finishLapseRun(tx, { id, at: clock.now() });
    const totals = await ledger.readLapseRun(tx, id);
    await audit(tx, actor, {
      action: 'lapse_run.completed',
      entityType: 'lapse_run',
      entityId: id,
      data: { asOf, lastValidTo, approvalCount: totals?.approvalCount ?? 0, lapsedCents: totals?.lapsedCents ?? 0 },
    });
  });
  const totals = await ledger.readLapseRun(db, id);
  return { id, approvalCount: totals?.approvalCount ?? 0, lapsedCents: totals?.lapsedCents ?? 0 };
}
