import { generateFamilyAccessCode, normalizeFamilyAccessCode } from '@tk/core';
import { type DbOrTx, familyAccessCodes } from '@tk/db';
import { eq } from 'drizzle-orm';
import { type Actor, audit } from '../../lib/audit.ts';
import { hashPassword, unmatchableHash, verifyPassword } from '../../lib/password.ts';

/**
 * scrypt cost for family access codes: the code carries 50 random bits itself, so N = 2^14 (about a
 * tenth of the password cost) keeps a stolen hash useless and a run of 1,000 letters fast.
 */
const CODE_COST = 2 ** 14;

export interface NewFamilyCode {
  /** As printed and shown once: `ABCDE-FGHJK`. */
  code: string;
  hash: string;
}

/** A fresh code and its hash; computed before the transaction that stores it. */
export async function newFamilyCode(): Promise<NewFamilyCode> {
  const code = generateFamilyAccessCode();
  return { code, hash: await hashPassword(normalizeFamilyAccessCode(code), CODE_COST) };
}

/** Stores `fresh` as the card's only code inside `tx`: the previous code stops working in the same commit. */
export async function storeFamilyCode(
  tx: DbOrTx,
  cardId: string,
  fresh: NewFamilyCode,
  actor: Actor,
  at: Date,
): Promise<void> {
  await tx
    .insert(familyAccessCodes)
    .values({ cardId, codeHash: fresh.hash, issuedBy: actor.userId, issuedAt: at })
    .onConflictDoUpdate({
      target: familyAccessCodes.cardId,
      set: { codeHash: fresh.hash, issuedBy: actor.userId, issuedAt: at },
    });
  await audit(tx, actor, { action: 'family_code.issued', entityType: 'card', entityId: cardId });
}

/** The card's code stops working (the card was replaced). */
export async function revokeFamilyCode(tx: DbOrTx, cardId: string): Promise<void> {
  await tx.delete(familyAccessCodes).where(eq(familyAccessCodes.cardId, cardId));
}

const UNMATCHABLE = unmatchableHash(CODE_COST);

/** Whether `typed` is the card's code; spends the same time when there is no code to compare with. */
export async function familyCodeMatches(typed: string, codeHash: string | null): Promise<boolean> {
  const ok = await verifyPassword(normalizeFamilyAccessCode(typed), codeHash ?? UNMATCHABLE);
  return ok && codeHash !== null;
}
