import { ACCESS_ACTIONS, BENEFIT_TYPES } from '@tk/core';
import { z } from 'zod';
import { Cents, IsoDate } from '../../lib/http-schemas.ts';
import { ApprovalSchema, BeneficiarySchema } from '../beneficiaries/beneficiaries.schemas.ts';
import { CardSchema } from '../cards/cards.schemas.ts';

export const AccessLogEntrySchema = z
  .object({
    at: z.string().describe('When (ISO 8601)'),
    username: z.string().nullable().describe('Who in the city; null: the family itself (getFamilyBalance)'),
    action: z
      .enum(ACCESS_ACTIONS as [string, ...string[]])
      .describe(
        'search (a hit of searchBeneficiaries), view (getBeneficiary), approval (getApproval), card (getCard), card_print (card PDF or A4 sheet), letter (printCardLetter), export (exportBeneficiaryData), family_balance (getFamilyBalance), list (listOutreach, listImportChildren)',
      ),
  })
  .meta({ id: 'AccessLogEntry' });
export type AccessLogEntry = z.infer<typeof AccessLogEntrySchema>;

export const AccessLogQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export const AccessLogPage = z
  .object({
    items: z.array(AccessLogEntrySchema).describe('Newest first'),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
  .meta({ id: 'AccessLogPage' });

export const DataExportQuery = z.object({
  format: z.enum(['json', 'pdf']).default('json').describe('pdf: the same as a German PDF'),
});

/** A card as the export lists it: without its QR token, a credential rather than information. */
export const ExportedCardSchema = CardSchema.omit({ qrToken: true, keyId: true }).meta({ id: 'ExportedCard' });

export const ExportedRedemptionSchema = z
  .object({
    serviceDate: IsoDate,
    benefitType: z.enum(BENEFIT_TYPES),
    amountCents: Cents,
    providerName: z.string(),
    status: z.enum(['booked', 'reversed']),
  })
  .meta({ id: 'ExportedRedemption' });

export const DataExportSchema = z
  .object({
    beneficiary: BeneficiarySchema.omit({ approvals: true, cards: true }).describe(
      'The child as recorded, with the corrections of its master data',
    ),
    approvals: z.array(ApprovalSchema),
    cards: z.array(ExportedCardSchema),
    redemptions: z.array(ExportedRedemptionSchema).describe('Every booking, oldest first, with the provider'),
    accessLog: z.array(AccessLogEntrySchema).describe('Every recorded read of the child’s data, newest first'),
  })
  .meta({ id: 'DataExport' });
export type DataExport = z.infer<typeof DataExportSchema>;
