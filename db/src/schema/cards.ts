import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, id, timestamptz } from './_columns.ts';
import { beneficiaries } from './beneficiaries.ts';

export const CARD_STATUSES = ['active', 'blocked', 'replaced'] as const;
export const BLOCK_REASONS = ['lost', 'stolen', 'damaged', 'other'] as const;

/**
 * Entitlement cards: a token only, no money on the card. One active card per child (partial unique
 * index). `qrToken` is the compact JWS printed as QR; it carries only the card id and the key id.
 */
export const cards = pgTable(
  'cards',
  {
    id: id(),
    beneficiaryId: text()
      .notNull()
      .references(() => beneficiaries.id),
    cardNumber: text().notNull(),
    qrToken: text().notNull(),
    keyId: text().notNull(),
    status: text({ enum: CARD_STATUSES }).notNull().default('active'),
    blockReason: text({ enum: BLOCK_REASONS }),
    issuedAt: createdAt(),
    issuedBy: text(),
    blockedAt: timestamptz(),
    blockedBy: text(),
    replacedByCardId: text(),
  },
  (t) => [
    uniqueIndex('cards_card_number_key').on(t.cardNumber),
    uniqueIndex('cards_one_active_per_child').on(t.beneficiaryId).where(sql`${t.status} = 'active'`),
    index('cards_beneficiary_idx').on(t.beneficiaryId),
    check('cards_card_number_format', sql`${t.cardNumber} ~ '^[0-9]{16}$'`),
  ],
);
