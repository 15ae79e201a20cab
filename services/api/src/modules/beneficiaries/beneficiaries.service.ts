import {
  type ApprovalTerms,
  addDays,
  berlinDate,
  bookableBalance,
  type Clock,
  evaluateApproval,
  lastBookingDay,
  newId,
} from '@tk/core';
import {
  approvalLapses,
  approvalRevisions,
  approvals,
  beneficiaries,
  benefitTypes,
  cards,
  costBearers,
  type DbOrTx,
  providers,
  readTogether,
  redemptions,
} from '@tk/db';
import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { BeneficiaryNotFound } from '../../lib/problems.ts';
import { changeBudget, openBudgets } from '../bookings/bookings.service.ts';
import { toCard } from '../cards/cards.service.ts';
import { getSettings, ratesOf } from '../catalogue/catalogue.service.ts';
import { providerNotFound } from '../providers/providers.errors.ts';
import { assertNoOverlap, guardOverlap, type OverlapQuery } from './approvals.overlaps.ts';
import { type BeneficiaryWarning, holderOfCaseReference, possibleDuplicates } from './beneficiaries.duplicates.ts';
import {
  ApprovalRevoked,
  approvalNotFound,
  approvalRuleViolated,
  BirthDateInFuture,
  BudgetBelowBooked,
  CaseReferenceTaken,
  InvalidEffectiveDate,
  UnknownCostBearer,
  UnknownDistrict,
} from './beneficiaries.errors.ts';
import { listBeneficiaryRevisions } from './beneficiaries.history.ts';
import type {
  AmendApprovalInput,
  Approval,
  Beneficiary,
  BeneficiarySummary,
  CreateApprovalInput,
  CreateBeneficiaryInput,
} from './beneficiaries.schemas.ts';
import { type SearchSort, searchCondition, searchOrder } from './beneficiaries.search.ts';

type BeneficiaryRow = typeof beneficiaries.$inferSelect;
type ApprovalRow = typeof approvals.$inferSelect;

function toSummary(row: BeneficiaryRow, activeCardId?: string | null): BeneficiarySummary {
  return {
    id: row.id,
    givenName: row.givenName,
    familyName: row.familyName,
    birthDate: row.birthDate,
    caseReference: row.caseReference,
    ...(row.district ? { district: row.district } : {}),
    ...(activeCardId ? { activeCardId } : {}),
    createdAt: row.createdAt.toISOString(),
    ...(row.pseudonymisedAt ? { pseudonymisedAt: row.pseudonymisedAt.toISOString() } : {}),
  };
}

/**
 * Records a child. Throws 400 `invalid_birth_date` (future), 409 `case_reference_taken`. Audited
 * without personal data.
 */
export async function createBeneficiary(
  db: DbOrTx,
  input: CreateBeneficiaryInput,
  actor: Actor,
  today: string,
): Promise<BeneficiarySummary & { warnings: BeneficiaryWarning[] }> {
  if (input.birthDate > today) throw new BirthDateInFuture();
  return db.transaction(async (tx) => {
    await assertKnownDistrict(tx, input.district);
    const [row] = await tx
      .insert(beneficiaries)
      .values({ id: newId('beneficiary'), ...input, createdBy: actor.userId })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new CaseReferenceTaken(await holderOfCaseReference(tx, input.caseReference));
    await audit(tx, actor, { action: 'beneficiary.created', entityType: 'beneficiary', entityId: row.id });
    return { ...toSummary(row), warnings: await possibleDuplicates(tx, { id: row.id, ...input }) };
  });
}

/** 400 `unknown_district` unless `district` is unset or in the city's list. */
export async function assertKnownDistrict(db: DbOrTx, district: string | null | undefined): Promise<void> {
  if (!district) return;
  const { districts } = await getSettings(db);
  if (!districts.includes(district)) throw new UnknownDistrict();
}

/** Search by name (either order), case reference or card number, sortable, paginated (beneficiaries.search.ts). */
export async function searchBeneficiaries(
  db: DbOrTx,
  query: {
    q?: string | undefined;
    caseReference?: string | undefined;
    sort?: SearchSort | undefined;
    direction?: 'asc' | 'desc' | undefined;
    page: number;
    pageSize: number;
  },
): Promise<{ items: BeneficiarySummary[]; total: number; page: number; pageSize: number }> {
  // Pseudonymised children (retention run) are never found, not even by a card number.
  const where: SQL[] = [isNull(beneficiaries.pseudonymisedAt)];
  if (query.caseReference) where.push(eq(beneficiaries.caseReference, query.caseReference));
  const text = query.q ? searchCondition(query.q) : undefined;
  if (text) where.push(text);
  const condition = and(...where);
  const [rows, total] = await readTogether(db, [
    () =>
      db
        .select({ b: beneficiaries, activeCardId: cards.id })
        .from(beneficiaries)
        .leftJoin(cards, and(eq(cards.beneficiaryId, beneficiaries.id), eq(cards.status, 'active')))
        .where(condition)
        .orderBy(...searchOrder(query.sort, query.direction))
        .limit(query.pageSize)
        .offset((query.page - 1) * query.pageSize),
    () => db.$count(beneficiaries, condition),
  ]);
  return { items: rows.map((r) => toSummary(r.b, r.activeCardId)), total, page: query.page, pageSize: query.pageSize };
}

async function toApprovals(db: DbOrTx, rows: ApprovalRow[], today: string): Promise<Approval[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const providerIds = [...new Set(rows.map((r) => r.providerId).filter((p): p is string => Boolean(p)))];
  const [booked, names, types, settings, lapsed] = await readTogether(db, [
    () =>
      db
        .select({
          approvalId: redemptions.approvalId,
          cents: sql<number>`coalesce(sum(${redemptions.amountCents}), 0)::int`,
          meals: sql<number>`coalesce(sum(${redemptions.meals}), 0)::int`,
        })
        .from(redemptions)
        .where(and(inArray(redemptions.approvalId, ids), eq(redemptions.status, 'booked')))
        .groupBy(redemptions.approvalId),
    () =>
      providerIds.length
        ? db
            .select({ id: providers.id, name: providers.name })
            .from(providers)
            .where(inArray(providers.id, providerIds))
        : Promise.resolve([]),
    () => db.select({ code: benefitTypes.code, redeemable: benefitTypes.redeemable }).from(benefitTypes),
    () => getSettings(db),
    () =>
      db
        .select({
          approvalId: approvalLapses.approvalId,
          cents: sql<number>`coalesce(sum(${approvalLapses.amountCents}), 0)::int`,
        })
        .from(approvalLapses)
        .where(inArray(approvalLapses.approvalId, ids))
        .groupBy(approvalLapses.approvalId),
  ]);
  const lapsedOf = new Map(lapsed.map((l) => [l.approvalId, l.cents]));
  const bookedBy = new Map(booked.map((b) => [b.approvalId, b]));
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  const redeemable = new Map(types.map((t) => [t.code, t.redeemable]));
  return rows.map((r) => {
    const last = lastBookingDay(r.validTo, settings.gracePeriodMonths);
    const isRedeemable = redeemable.get(r.benefitType) ?? false;
    const status: Approval['status'] = !isRedeemable
      ? 'recorded'
      : r.revokedFrom
        ? 'revoked'
        : today < r.validFrom
          ? 'upcoming'
          : today <= r.validTo
            ? 'active'
            : today <= last
              ? 'grace'
              : 'expired';
    const b = bookedBy.get(r.id);
    return {
      id: r.id,
      beneficiaryId: r.beneficiaryId,
      benefitType: r.benefitType as Approval['benefitType'],
      legalBasis: r.legalBasis as Approval['legalBasis'],
      ...(r.costBearer ? { costBearer: r.costBearer } : {}),
      ...(r.reference ? { reference: r.reference } : {}),
      ...(r.subject ? { subject: r.subject } : {}),
      validFrom: r.validFrom,
      validTo: r.validTo,
      lastBookingDay: last,
      ...(r.providerId ? { providerId: r.providerId } : {}),
      ...(r.providerId && nameOf.has(r.providerId) ? { providerName: nameOf.get(r.providerId)! } : {}),
      budgetCents: r.budgetCents,
      remainingCents: r.remainingCents,
      ...bookableBalance({ ...r, lastBookingDay: last, today }),
      bookedCents: b?.cents ?? 0,
      lapsedCents: lapsedOf.get(r.id) ?? 0,
      ...(r.benefitType === 'lunch' ? { mealsBooked: b?.meals ?? 0 } : {}),
      ...(r.hours !== null ? { hours: r.hours } : {}),
      ...(r.hourlyRateCents !== null ? { hourlyRateCents: r.hourlyRateCents } : {}),
      redeemable: isRedeemable,
      status,
      ...(r.revokedFrom ? { revokedFrom: r.revokedFrom } : {}),
      ...(r.revocationReason ? { revocationReason: r.revocationReason } : {}),
      imported: r.importKey !== null,
      createdAt: r.createdAt.toISOString(),
    };
  });
}

/** The child page: the child, all approvals (incl. revoked) with balances, all cards with status. */
export async function getBeneficiary(db: DbOrTx, beneficiaryId: string, today: string): Promise<Beneficiary> {
  const [row] = await db.select().from(beneficiaries).where(eq(beneficiaries.id, beneficiaryId));
  if (!row) throw new BeneficiaryNotFound();
  const [approvalRows, cardRows] = await readTogether(db, [
    () =>
      db
        .select()
        .from(approvals)
        .where(eq(approvals.beneficiaryId, beneficiaryId))
        .orderBy(desc(approvals.validFrom), asc(approvals.benefitType)),
    () => db.select().from(cards).where(eq(cards.beneficiaryId, beneficiaryId)).orderBy(desc(cards.issuedAt)),
  ]);
  const active = cardRows.find((c) => c.status === 'active');
  return {
    ...toSummary(row, active?.id),
    approvals: await toApprovals(db, approvalRows, today),
    cards: cardRows.map(toCard),
    revisions: await listBeneficiaryRevisions(db, beneficiaryId),
  };
}

/** A snapshot of the approval for the append-only history (no personal data in it). */
export function snapshotOf(row: ApprovalRow): Record<string, unknown> {
  return {
    benefitType: row.benefitType,
    legalBasis: row.legalBasis,
    costBearer: row.costBearer,
    reference: row.reference,
    subject: row.subject,
    validFrom: row.validFrom,
    validTo: row.validTo,
    providerId: row.providerId,
    budgetCents: row.budgetCents,
    remainingCents: row.remainingCents,
    hours: row.hours,
    hourlyRateCents: row.hourlyRateCents,
    revokedFrom: row.revokedFrom,
  };
}

async function checkCostBearer(tx: DbOrTx, code: string | null | undefined): Promise<void> {
  if (!code) return;
  const [row] = await tx.select({ code: costBearers.code }).from(costBearers).where(eq(costBearers.code, code));
  if (!row) throw new UnknownCostBearer(code);
}

async function namedProvider(tx: DbOrTx, providerId: string | null | undefined) {
  if (!providerId) return null;
  const [row] = await tx
    .select({ id: providers.id, benefitTypes: providers.benefitTypes })
    .from(providers)
    .where(eq(providers.id, providerId));
  if (!row) throw providerNotFound();
  return row;
}

async function evaluate(tx: DbOrTx, terms: ApprovalTerms, birthDate: string) {
  const result = evaluateApproval(terms, {
    birthDate,
    rates: terms.benefitType === 'participation' ? await ratesOf(tx, 'participation') : [],
    provider: await namedProvider(tx, terms.providerId),
  });
  if (!result.ok) throw approvalRuleViolated(result);
  return result;
}

/**
 * Records an approval (Bewilligung) for a child. Budget per benefit type (ADR 0007 for
 * participation); `remainingCents` starts at the budget. Appends a `created` revision and an audit
 * row in the same transaction. Throws 404 `beneficiary_not_found` / `provider_not_found`, 400
 * `invalid_period`, `named_provider_required`, `provider_cannot_redeem`, `amount_required`, …, 422
 * `not_eligible_age`, `no_rate`.
 */
export async function createApproval(
  db: DbOrTx,
  beneficiaryId: string,
  input: CreateApprovalInput,
  actor: Actor,
  today: string,
): Promise<Approval> {
  return db.transaction(async (tx) => {
    const [child] = await tx.select().from(beneficiaries).where(eq(beneficiaries.id, beneficiaryId));
    // A pseudonymised child (retention run) gets no new approvals: its case has ended.
    if (!child || child.birthDate === null) throw new BeneficiaryNotFound();
    await checkCostBearer(tx, input.costBearer);
    const result = await evaluate(tx, input, child.birthDate);
    const overlap: OverlapQuery = { beneficiaryId, ...input };
    await assertNoOverlap(tx, overlap);
    const [row] = await guardOverlap(tx, overlap, (sp) =>
      sp
        .insert(approvals)
        .values({
          id: newId('approval'),
          beneficiaryId,
          benefitType: input.benefitType,
          legalBasis: input.legalBasis,
          costBearer: input.costBearer ?? null,
          reference: input.reference ?? null,
          subject: input.subject ?? null,
          validFrom: input.validFrom,
          validTo: input.validTo,
          providerId: input.providerId ?? null,
          budgetCents: result.budgetCents,
          hours: input.hours ?? null,
          hourlyRateCents: input.hourlyRateCents ?? null,
          createdBy: actor.userId,
        })
        .returning(),
    );
    // The balance opens at the budget; the bookings module is the only writer of balances.
    await openBudgets(tx, [row!.id]);
    row!.remainingCents = row!.budgetCents;
    await tx.insert(approvalRevisions).values({
      id: newId('approval'),
      approvalId: row!.id,
      kind: 'created',
      snapshot: snapshotOf(row!),
      changedBy: actor.userId,
    });
    await audit(tx, actor, {
      action: 'approval.created',
      entityType: 'approval',
      entityId: row!.id,
      data: { beneficiaryId, benefitType: row!.benefitType, budgetCents: row!.budgetCents },
    });
    const [view] = await toApprovals(tx, [row!], today);
    return view!;
  });
}

/** One approval with its append-only history. */
export async function getApproval(db: DbOrTx, approvalId: string, today: string) {
  const [row] = await db.select().from(approvals).where(eq(approvals.id, approvalId));
  if (!row) throw approvalNotFound();
  const revisions = await db
    .select()
    .from(approvalRevisions)
    .where(eq(approvalRevisions.approvalId, approvalId))
    .orderBy(asc(approvalRevisions.changedAt), asc(approvalRevisions.id));
  const [view] = await toApprovals(db, [row], today);
  return {
    ...view!,
    revisions: revisions.map((r) => ({
      kind: r.kind,
      changedAt: r.changedAt.toISOString(),
      ...(r.changedBy ? { changedBy: r.changedBy } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      snapshot: r.snapshot,
    })),
  };
}

/**
 * Amends an approval (period, hours, rate, amount, named provider, …): the budget is recomputed and
 * the remaining balance moves by the same delta, under a row lock and a guarded UPDATE, so it never
 * drops below what is already booked (409 `budget_below_booked`). History: an `amended` revision.
 */
export async function amendApproval(
  db: DbOrTx,
  approvalId: string,
  input: AmendApprovalInput,
  actor: Actor,
  today: string,
): Promise<Approval> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(approvals).where(eq(approvals.id, approvalId)).for('update');
    if (!current) throw approvalNotFound();
    if (current.revokedFrom) throw new ApprovalRevoked();
    const [child] = await tx
      .select({ birthDate: beneficiaries.birthDate })
      .from(beneficiaries)
      .where(eq(beneficiaries.id, current.beneficiaryId));
    if (!child || child.birthDate === null) throw new BeneficiaryNotFound();
    if (input.costBearer !== undefined) await checkCostBearer(tx, input.costBearer);
    const pick = <K extends keyof AmendApprovalInput & keyof ApprovalRow>(k: K) =>
      input[k] !== undefined ? input[k] : current[k];
    const terms: ApprovalTerms = {
      benefitType: current.benefitType,
      validFrom: pick('validFrom') as string,
      validTo: pick('validTo') as string,
      providerId: pick('providerId') as string | null,
      hours: pick('hours') as number | null,
      hourlyRateCents: pick('hourlyRateCents') as number | null,
      // An amount only exists for amount-rule types; for the others the stored budget is derived.
      amountCents:
        input.amountCents ??
        (['trip', 'school_supplies', 'transport'].includes(current.benefitType) ? current.budgetCents : null),
    };
    const result = await evaluate(tx, terms, child.birthDate);
    const overlap: OverlapQuery = { ...current, ...terms, exceptApprovalId: approvalId };
    await assertNoOverlap(tx, overlap);
    const delta = (result.budgetCents ?? 0) - (current.budgetCents ?? 0);
    // The budget and its balance move together, guarded by the bookings module: never below what is booked.
    if (!(await changeBudget(tx, approvalId, result.budgetCents))) {
      const booked = (current.budgetCents ?? 0) - (current.remainingCents ?? 0);
      throw new BudgetBelowBooked(booked, result.budgetCents ?? 0);
    }
    const [row] = await guardOverlap(tx, overlap, (sp) =>
      sp
        .update(approvals)
        .set({
          validFrom: terms.validFrom,
          validTo: terms.validTo,
          providerId: terms.providerId ?? null,
          hours: terms.hours ?? null,
          hourlyRateCents: terms.hourlyRateCents ?? null,
          ...(input.costBearer !== undefined ? { costBearer: input.costBearer } : {}),
          ...(input.subject !== undefined ? { subject: input.subject } : {}),
          ...(input.reference !== undefined ? { reference: input.reference } : {}),
        })
        .where(eq(approvals.id, approvalId))
        .returning(),
    );
    if (!row) throw approvalNotFound();
    await tx.insert(approvalRevisions).values({
      id: newId('approval'),
      approvalId,
      kind: 'amended',
      snapshot: snapshotOf(row),
      reason: input.reason ?? null,
      changedBy: actor.userId,
    });
    await audit(tx, actor, {
      action: 'approval.amended',
      entityType: 'approval',
      entityId: approvalId,
      data: { fields: Object.keys(input).filter((k) => k !== 'reason'), budgetDeltaCents: delta },
    });
    const [view] = await toApprovals(tx, [row], today);
    return view!;
  });
}

/**
 * Revokes an approval (Aufhebung) from an effective date inside its period: services on or after
 * that date are refused at the terminal; bookings before stay. History: a `revoked` revision.
 * Throws 404, 400 `invalid_effective_date`, 409 `approval_revoked`.
 */
export async function revokeApproval(
  db: DbOrTx,
  approvalId: string,
  input: { effectiveDate: string; reason: string },
  actor: Actor,
  clock: Clock,
): Promise<Approval> {
  const today = berlinDate(clock.now());
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(approvals).where(eq(approvals.id, approvalId)).for('update');
    if (!current) throw approvalNotFound();
    if (current.revokedFrom) throw new ApprovalRevoked();
    if (input.effectiveDate < current.validFrom || input.effectiveDate > addDays(current.validTo, 1)) {
      throw new InvalidEffectiveDate();
    }
    const [row] = await tx
      .update(approvals)
      .set({
        revokedFrom: input.effectiveDate,
        revocationReason: input.reason,
        revokedAt: clock.now(),
        revokedBy: actor.userId,
      })
      .where(eq(approvals.id, approvalId))
      .returning();
    await tx.insert(approvalRevisions).values({
      id: newId('approval'),
      approvalId,
      kind: 'revoked',
      snapshot: snapshotOf(row!),
      reason: input.reason,
      changedBy: actor.userId,
    });
    await audit(tx, actor, {
      action: 'approval.revoked',
      entityType: 'approval',
      entityId: approvalId,
      data: { effectiveDate: input.effectiveDate },
    });
    const [view] = await toApprovals(tx, [row!], today);
    return view!;
  });
}
