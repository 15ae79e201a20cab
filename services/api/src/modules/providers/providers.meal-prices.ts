import { newId } from '@tk/core';
import { type Db, providerMealPriceProposals, providers } from '@tk/db';
import { and, eq } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { getSettings } from '../catalogue/catalogue.service.ts';
import {
  MealPriceAboveCap,
  MealPriceDateInPast,
  MealPriceNotApplicable,
  MealPriceProposalNotPending,
  providerNotFound,
} from './providers.errors.ts';
import type { MealPriceProposal, Provider } from './providers.schemas.ts';
import { appendMealPrice, getProvider, scopeCheck } from './providers.service.ts';

/**
 * A provider admin proposes a meal price for its own provider; it counts only once an admin confirms
 * it. The city's cap applies already here (and again on confirmation). Throws 404, 400
 * `meal_price_not_applicable`, `meal_price_date_in_past`, 422 `meal_price_above_cap`.
 */
export async function proposeMealPrice(
  db: Db,
  providerId: string,
  input: { priceCents: number; validFrom: string },
  actor: Actor,
  today: string,
): Promise<MealPriceProposal> {
  scopeCheck(actor, providerId);
  if (input.validFrom < today) throw new MealPriceDateInPast(today);
  return db.transaction(async (tx) => {
    const [provider] = await tx.select().from(providers).where(eq(providers.id, providerId));
    if (!provider) throw providerNotFound();
    if (!provider.benefitTypes.includes('lunch')) throw new MealPriceNotApplicable();
    const settings = await getSettings(tx);
    if (settings.mealPriceCapCents !== null && input.priceCents > settings.mealPriceCapCents) {
      throw new MealPriceAboveCap(settings.mealPriceCapCents);
    }
    const [row] = await tx
      .insert(providerMealPriceProposals)
      .values({
        id: newId('mealPriceProposal'),
        providerId,
        validFrom: input.validFrom,
        priceCents: input.priceCents,
        proposedBy: actor.userId ?? 'system',
      })
      .returning();
    await audit(tx, actor, {
      action: 'provider.meal_price_proposed',
      entityType: 'provider',
      entityId: providerId,
      data: { proposalId: row!.id, validFrom: input.validFrom, priceCents: input.priceCents },
    });
    return {
      id: row!.id,
      validFrom: row!.validFrom,
      priceCents: row!.priceCents,
      status: row!.status,
      proposedAt: row!.proposedAt.toISOString(),
    };
  });
}

/**
 * An admin confirms (the price is appended from its start date, or from today if that has passed,
 * within the cap) or rejects a pending proposal. Throws 404, 409 `meal_price_proposal_not_pending`,
 * `meal_price_exists`, 422 `meal_price_above_cap`.
 */
export async function decideMealPrice(
  db: Db,
  providerId: string,
  proposalId: string,
  decision: 'confirmed' | 'rejected',
  actor: Actor,
  today: string,
): Promise<Provider> {
  await db.transaction(async (tx) => {
    const [proposal] = await tx
      .select()
      .from(providerMealPriceProposals)
      .where(and(eq(providerMealPriceProposals.id, proposalId), eq(providerMealPriceProposals.providerId, providerId)))
      .for('update');
    if (!proposal) throw providerNotFound();
    if (proposal.status !== 'pending') throw new MealPriceProposalNotPending(proposal.status);
    if (decision === 'confirmed') {
      const validFrom = proposal.validFrom < today ? today : proposal.validFrom;
      await appendMealPrice(tx, providerId, proposal.priceCents, validFrom, actor);
    }
    await tx
      .update(providerMealPriceProposals)
      .set({ status: decision, decidedBy: actor.userId, decidedAt: new Date() })
      .where(eq(providerMealPriceProposals.id, proposalId));
    await audit(tx, actor, {
      action: `provider.meal_price_${decision}`,
      entityType: 'provider',
      entityId: providerId,
      data: { proposalId },
    });
  });
  return getProvider(db, providerId, actor, today);
}
