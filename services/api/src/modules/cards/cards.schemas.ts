import { BLOCK_REASONS, CARD_STATUSES } from '@tk/db';
import { z } from 'zod';

export const CardSchema = z
  .object({
    id: z.string(),
    beneficiaryId: z.string(),
    cardNumber: z.string().describe('16 digits, Luhn check digit last'),
    cardNumberFormatted: z.string().describe('Groups of four, as printed'),
    qrToken: z.string().describe('Compact JWS (EdDSA) with the card id and key id (ADR 0008)'),
    keyId: z.string(),
    status: z.enum(CARD_STATUSES),
    blockReason: z.enum(BLOCK_REASONS).optional(),
    issuedAt: z.string(),
    blockedAt: z.string().optional(),
    replacedByCardId: z.string().optional(),
  })
  .meta({ id: 'Card' });
export type Card = z.infer<typeof CardSchema>;

export const BlockCardBody = z.object({ reason: z.enum(BLOCK_REASONS) });

export const ReplaceCardBody = z
  .object({ reason: z.enum(BLOCK_REASONS).describe('Recorded on the old card if it was still active') })
  .partial();

const familyAccessCode = z
  .string()
  .describe('The family access code (`ABCDE-FGHJK`): shown only in this answer, the server keeps a hash');
export const IssueCardResponse = CardSchema.extend({ familyAccessCode });
export const ReplaceCardResponse = CardSchema.extend({ replacedCardId: z.string(), familyAccessCode });

/** Which cards to print: the ids (e.g. a selection in the search) or all active cards an import issued. */
export const CardSelection = z
  .object({
    cardIds: z.array(z.string().min(1).max(64)).min(1).max(500).describe('Active cards, in print order'),
    importJobId: z
      .string()
      .min(1)
      .max(64)
      .describe('Instead of `cardIds`: every card this import issued that is still active, in import order'),
  })
  .partial()
  .refine((b) => (b.cardIds === undefined) !== (b.importJobId === undefined), 'either cardIds or importJobId');
export type CardSelectionInput = z.infer<typeof CardSelection>;
export const PrintSheetBody = CardSelection;

export const ResignCardsBody = z.object({
  fromKeyId: z.string().min(1).max(64).describe('Re-sign active cards whose token uses this (retiring) key'),
});
export const ResignCardsResponse = z.object({ resignedCards: z.number().int(), keyId: z.string() });

export const FamilyAccessCodeResponse = z
  .object({ familyAccessCode: z.string().describe('Shown once; the server keeps only a hash. Format `ABCDE-FGHJK`') })
  .meta({ id: 'FamilyAccessCode' });
