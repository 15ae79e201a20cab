import { REDEEMABLE_BENEFIT_TYPES } from '@tk/core';
import { z } from 'zod';
import { Cents, CsvCodes, IsoDate, IsoTimestamp, Text } from '../../lib/http-schemas.ts';

/** What a terminal sends as the card: the scanned QR token or the typed card number. */
const CardCode = z.string().trim().min(1).max(1024).describe('QR token (compact JWS) or the 16-digit card number');

export const LookupBody = z.object({ code: CardCode });

export const EntitlementSchema = z
  .object({
    approvalId: z.string(),
    benefitType: z.enum(REDEEMABLE_BENEFIT_TYPES),
    validFrom: IsoDate.optional().describe('Start of the approval period (tells overlapping approvals apart)'),
    validTo: IsoDate.optional().describe('End of the approval period'),
    reference: z.string().optional().describe('Trip: name or reference of the trip'),
    subject: z.string().optional().describe('Tutoring: the subject'),
    availableCents: Cents.optional().describe('Remaining budget (participation, tutoring, trip)'),
    minutesAvailable: z
      .number()
      .int()
      .optional()
      .describe('Tutoring: the minutes the remaining budget still pays at the approved hourly rate'),
    lunchAvailableToday: z.boolean().optional().describe("Lunch: whether today's meal is still open"),
    mealPriceCents: Cents.optional().describe(
      "Lunch: what one meal costs today at this provider (after the city's cap)",
    ),
  })
  .meta({ id: 'Entitlement' });

export const LookupResponse = z
  .object({
    card: z.object({ status: z.literal('active') }),
    holder: z.object({ displayName: z.string().describe('Given name and the initial of the family name') }),
    entitlements: z.array(EntitlementSchema),
  })
  .meta({ id: 'CardLookup' });
export type LookupResult = z.infer<typeof LookupResponse>;

/** Free text without control or bidirectional control characters (api-v1 "text"). */
const Purpose = z
  .string()
  .trim()
  .max(140)
  // \p{Cc} is exactly U+0000–U+001F and U+007F–U+009F.
  .refine((s) => !/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(s), 'no control characters')
  .describe('What the booking was for, e.g. "Mitgliedsbeitrag Dezember"');

export const RedeemBody = z.object({
  code: CardCode,
  approvalId: z.string().min(1).max(64),
  serviceDate: IsoDate.optional().describe('Day the service was delivered; default today (Europe/Berlin)'),
  amountCents: z.number().int().positive().max(10_000_000).optional().describe('participation, trip: the amount'),
  meals: z.number().int().min(1).max(1).optional().describe('lunch: one meal per booking'),
  minutes: z
    .number()
    .int()
    .positive()
    .max(24 * 60)
    .optional()
    .describe('tutoring: minutes delivered'),
  purpose: Purpose.optional(),
});
export type RedeemInput = z.infer<typeof RedeemBody>;

export const RedemptionCreated = z
  .object({
    id: z.string(),
    approvalId: z.string(),
    amountCents: Cents,
    serviceDate: IsoDate,
    availableCents: Cents.optional().describe('Remaining budget after this booking (not for lunch)'),
  })
  .meta({ id: 'RedemptionCreated' });
export type RedeemResult = z.infer<typeof RedemptionCreated>;

export const ReverseBody = z
  .object({ reason: Text(500).optional() })
  .nullish()
  .describe('Optional reason');

export const ReverseResponse = z
  .object({
    id: z.string(),
    status: z.literal('reversed'),
    reversalId: z.string(),
    kind: z
      .enum(['void', 'correction'])
      .describe('void: before settlement; correction: a negative line in the next batch'),
    amountCents: Cents,
  })
  .meta({ id: 'RedemptionReversed' });
export type ReverseResult = z.infer<typeof ReverseResponse>;

export const RedemptionSchema = z
  .object({
    id: z.string(),
    approvalId: z.string(),
    benefitType: z.enum(REDEEMABLE_BENEFIT_TYPES),
    serviceDate: IsoDate,
    amountCents: Cents,
    status: z.enum(['booked', 'reversed']),
    displayName: z.string().describe('Given name and family initial, as the lookup shows it'),
    minutes: z.number().int().optional(),
    purpose: z.string().optional().describe('What the booking was for'),
    bookedAt: IsoTimestamp,
    reversedAt: IsoTimestamp.optional(),
    settled: z.boolean().describe('True once the redemption is in a settlement batch'),
  })
  .meta({ id: 'Redemption' });
export type Redemption = z.infer<typeof RedemptionSchema>;

export const ListRedemptionsQuery = z.object({
  from: IsoDate.optional().describe('First service date (inclusive); default today'),
  to: IsoDate.optional().describe('Last service date (inclusive); default today'),
});

export const ExportRedemptionsQuery = ListRedemptionsQuery.extend({ codes: CsvCodes });

export const RedemptionList = z.object({ items: z.array(RedemptionSchema) }).meta({ id: 'RedemptionList' });
