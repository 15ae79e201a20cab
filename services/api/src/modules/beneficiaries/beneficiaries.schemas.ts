import { BENEFIT_TYPES, LEGAL_BASES } from '@tk/core';
import { z } from 'zod';
import { Cents, IsoDate, Text } from '../../lib/http-schemas.ts';
import { CardSchema } from '../cards/cards.schemas.ts';
import { SEARCH_SORTS } from './beneficiaries.search.ts';

export const APPROVAL_STATUSES = ['upcoming', 'active', 'grace', 'expired', 'revoked', 'recorded'] as const;

export const CreateBeneficiaryBody = z.object({
  givenName: Text(100),
  familyName: Text(100),
  birthDate: IsoDate,
  caseReference: Text(64).describe('Aktenzeichen'),
  district: Text(80)
    .nullable()
    .optional()
    .describe("Stadtbezirk / Sozialraum, one of the city's districts (city settings); null clears it"),
});
export type CreateBeneficiaryInput = z.infer<typeof CreateBeneficiaryBody>;

export const UpdateBeneficiaryBody = CreateBeneficiaryBody.partial().refine(
  (b) => Object.values(b).some((v) => v !== undefined),
  'nothing to change',
);
export type UpdateBeneficiaryInput = z.infer<typeof UpdateBeneficiaryBody>;

export const BeneficiaryRevisionSchema = z
  .object({
    changedAt: z.string(),
    changedBy: z.string().optional(),
    changedByName: z.string().optional(),
    before: z.record(z.string(), z.unknown()).describe('The corrected fields before the change'),
    after: z.record(z.string(), z.unknown()).describe('The same fields after it'),
  })
  .meta({ id: 'BeneficiaryRevision' });
export type BeneficiaryRevision = z.infer<typeof BeneficiaryRevisionSchema>;

export const BeneficiarySummarySchema = z
  .object({
    id: z.string(),
    givenName: z.string().nullable().describe('null once pseudonymised (retention run)'),
    familyName: z.string().nullable().describe('null once pseudonymised'),
    birthDate: IsoDate.nullable().describe('null once pseudonymised'),
    caseReference: z.string().nullable().describe('Aktenzeichen; null once pseudonymised'),
    district: z.string().optional().describe('Stadtbezirk / Sozialraum from the city list'),
    activeCardId: z.string().optional(),
    createdAt: z.string(),
    pseudonymisedAt: z
      .string()
      .optional()
      .describe('When the retention run removed names, birth date and case reference'),
  })
  .meta({ id: 'BeneficiarySummary' });
export type BeneficiarySummary = z.infer<typeof BeneficiarySummarySchema>;

export const CreatedBeneficiarySchema = BeneficiarySummarySchema.extend({
  warnings: z
    .array(z.object({ code: z.literal('possible_duplicate'), beneficiaryId: z.string() }))
    .describe('A child with the same given name, family name and birth date exists (a warning, not a refusal)'),
}).meta({ id: 'CreatedBeneficiary' });

export const ApprovalSchema = z
  .object({
    id: z.string(),
    beneficiaryId: z.string(),
    benefitType: z.enum(BENEFIT_TYPES),
    legalBasis: z.enum(LEGAL_BASES),
    costBearer: z.string().optional(),
    reference: z.string().optional(),
    subject: z.string().optional(),
    validFrom: IsoDate,
    validTo: IsoDate,
    lastBookingDay: IsoDate.describe('validTo plus the grace period (or the day before revocation)'),
    providerId: z.string().optional(),
    providerName: z.string().optional(),
    budgetCents: Cents.nullable().describe('null for lunch (yes/no approval)'),
    remainingCents: Cents.nullable(),
    bookableCents: Cents.nullable().describe(
      'What can still be booked today: the remaining budget, or for a revoked approval what the grace rules leave (0 once they end)',
    ),
    releasedCents: Cents.optional().describe('Revoked approvals: the remaining budget the revocation released'),
    bookedCents: Cents.describe('Sum of booked (not reversed) redemptions'),
    lapsedCents: Cents.describe(
      'Budget that lapsed (Verfall) after the last booking day: the lapse entries of the ledger (0 until the lapse run)',
    ),
    mealsBooked: z.number().int().optional(),
    hours: z.number().int().optional(),
    hourlyRateCents: Cents.optional(),
    redeemable: z.boolean(),
    status: z.enum(APPROVAL_STATUSES),
    revokedFrom: IsoDate.optional(),
    revocationReason: z.string().optional(),
    imported: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'Approval' });
export type Approval = z.infer<typeof ApprovalSchema>;

export const ApprovalRevisionSchema = z
  .object({
    kind: z.enum(['created', 'amended', 'revoked']),
    changedAt: z.string(),
    changedBy: z.string().optional(),
    reason: z.string().optional(),
    snapshot: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ApprovalRevision' });

export const ApprovalWithHistorySchema = ApprovalSchema.extend({ revisions: z.array(ApprovalRevisionSchema) }).meta({
  id: 'ApprovalWithHistory',
});

export const BeneficiarySchema = BeneficiarySummarySchema.extend({
  approvals: z.array(ApprovalSchema),
  cards: z.array(CardSchema),
  revisions: z.array(BeneficiaryRevisionSchema).describe('Corrections of the master data, oldest first'),
}).meta({ id: 'Beneficiary' });
export type Beneficiary = z.infer<typeof BeneficiarySchema>;

export const SearchBeneficiariesQuery = z.object({
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .describe(
      '"Familienname, Vorname", "Vorname Familienname" or parts of them, the start of the case reference, or a card number (with or without spaces)',
    ),
  sort: z.enum(SEARCH_SORTS).default('name').describe('Column to sort by'),
  direction: z.enum(['asc', 'desc']).default('asc'),
  caseReference: z.string().trim().max(64).optional().describe('Exact case reference'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export const BeneficiaryPage = z.object({
  items: z.array(BeneficiarySummarySchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

export const CreateApprovalBody = z.object({
  benefitType: z.enum(BENEFIT_TYPES),
  legalBasis: z.enum(LEGAL_BASES),
  costBearer: Text(40).optional(),
  validFrom: IsoDate,
  validTo: IsoDate,
  providerId: z.string().min(1).max(64).optional(),
  amountCents: Cents.positive().max(100_000_00).optional(),
  hours: z.number().int().positive().max(1000).optional(),
  hourlyRateCents: Cents.positive().max(1000_00).optional(),
  subject: Text(100).optional(),
  reference: Text(100).optional(),
});
export type CreateApprovalInput = z.infer<typeof CreateApprovalBody>;

export const AmendApprovalBody = z
  .object({
    validFrom: IsoDate,
    validTo: IsoDate,
    providerId: z.string().min(1).max(64).nullable(),
    amountCents: Cents.positive().max(100_000_00),
    hours: z.number().int().positive().max(1000),
    hourlyRateCents: Cents.positive().max(1000_00),
    costBearer: Text(40).nullable(),
    subject: Text(100).nullable(),
    reference: Text(100).nullable(),
    reason: Text(500),
  })
  .partial()
  .refine((b) => Object.keys(b).some((k) => k !== 'reason'), 'nothing to change');
export type AmendApprovalInput = z.infer<typeof AmendApprovalBody>;

export const RevokeApprovalBody = z.object({
  effectiveDate: IsoDate.describe('Services on or after this date are refused'),
  reason: Text(500),
});

export const RunLapseBody = z
  .object({
    asOf: IsoDate.optional().describe('Lapse what had its last booking day before this date (default: today)'),
  })
  .default({});

export const LapseRunSchema = z
  .object({
    id: z.string(),
    approvalCount: z.number().int().describe('Approvals this run lapsed (a rerun: 0)'),
    lapsedCents: z.number().int().describe('Sum of the lapse entries this run wrote'),
  })
  .meta({ id: 'LapseRun' });
