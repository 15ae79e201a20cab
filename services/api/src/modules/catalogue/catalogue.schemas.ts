import {
  type benefitRates,
  type benefitTypes,
  type citySettings,
  type costBearers,
  type legalBases,
  RULE_KINDS,
} from '@tk/db';
import { z } from 'zod';
import { Cents, IsoDate, Text } from '../../lib/http-schemas.ts';

export const BenefitTypeSchema = z
  .object({
    code: z.string(),
    nameDe: z.string(),
    ruleKind: z.enum(RULE_KINDS),
    redeemable: z.boolean(),
  })
  .meta({ id: 'BenefitType' });

export const BenefitRateSchema = z
  .object({ benefitType: z.string(), validFrom: IsoDate, amountCents: Cents })
  .meta({ id: 'BenefitRate' });

export const LegalBasisSchema = z
  .object({ code: z.string(), nameDe: z.string(), federalRefund: z.boolean() })
  .meta({ id: 'LegalBasis' });

export const CostBearerSchema = z.object({ code: z.string(), nameDe: z.string() }).meta({ id: 'CostBearer' });

export const CitySettingsSchema = z
  .object({
    cityName: z.string(),
    cardTitle: z.string().describe('Neutral title printed on the card under the city name'),
    gracePeriodMonths: z.number().int(),
    participationMode: z.enum(['flat', 'capped']),
    lunchMealsPerDay: z.number().int(),
    mealPriceCapCents: Cents.nullable(),
    debtorName: z.string(),
    debtorIban: z.string(),
    debtorBic: z.string().nullable(),
    maxStaffPerProvider: z
      .number()
      .int()
      .describe('Active staff accounts (provider_admin + provider_staff) per provider'),
    address: z
      .object({
        office: z.string().nullable().describe('e.g. "Amt für Soziales, Bildung und Teilhabe"'),
        street: z.string().nullable(),
        postalCode: z.string().nullable(),
        town: z.string().nullable(),
      })
      .describe('The issuing office, printed on the Gutschrift and the card letter'),
    retentionMonths: z
      .number()
      .int()
      .describe("Months after a child's last booking day until the retention run pseudonymises it"),
    idempotencyKeyRetentionDays: z.number().int().describe('Days an idempotency key is kept'),
    declineRetentionDays: z.number().int().describe('Days a declined terminal attempt is kept'),
    throttleCounterRetentionHours: z
      .number()
      .int()
      .describe('Hours a throttle counter (login, family access, declines) is kept after its window'),
    districts: z.array(z.string()).describe('Districts (Stadtbezirke / Sozialräume) a child may be assigned to'),
    outreachWeeks: z.number().int().describe('Outreach list: weeks after an approval began without a booking'),
    updatedAt: z.string(),
  })
  .meta({ id: 'CitySettings' });
export type CitySettings = z.infer<typeof CitySettingsSchema>;

export const CatalogueSchema = z
  .object({
    benefitTypes: z.array(BenefitTypeSchema),
    rates: z.array(BenefitRateSchema),
    legalBases: z.array(LegalBasisSchema),
    costBearers: z.array(CostBearerSchema),
    settings: CitySettingsSchema,
  })
  .meta({ id: 'Catalogue' });
export type Catalogue = z.infer<typeof CatalogueSchema>;

export const AddBenefitRateBody = z.object({
  benefitType: z.string().min(1).max(40),
  validFrom: IsoDate,
  amountCents: Cents.positive().max(10_000_00),
});

export const UpdateCitySettingsBody = z
  .object({
    cityName: Text(120),
    cardTitle: Text(40).describe('Neutral: says whose card it is, not which benefit (no "BuT")'),
    gracePeriodMonths: z.number().int().min(0).max(24),
    participationMode: z.enum(['flat', 'capped']),
    lunchMealsPerDay: z.number().int().min(1).max(3),
    mealPriceCapCents: Cents.positive().max(100_00).nullable(),
    debtorName: Text(70),
    debtorIban: z.string().trim().min(1).max(50),
    debtorBic: z.string().trim().max(11).nullable(),
    maxStaffPerProvider: z.number().int().min(1).max(1000),
    address: z
      .object({
        office: Text(120).nullable(),
        street: Text(120).nullable(),
        postalCode: z
          .string()
          .trim()
          .regex(/^\d{5}$/, 'five digits')
          .nullable(),
        town: Text(80).nullable(),
      })
      .partial()
      .describe('Replaces the whole address; a field left out is cleared'),
    retentionMonths: z.number().int().min(1).max(240),
    idempotencyKeyRetentionDays: z.number().int().min(1).max(3650),
    declineRetentionDays: z.number().int().min(1).max(3650),
    throttleCounterRetentionHours: z.number().int().min(1).max(8760),
    districts: z
      .array(Text(80))
      .max(200)
      .refine((d) => new Set(d).size === d.length, 'districts must be distinct'),
    outreachWeeks: z.number().int().min(1).max(52),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export const CityLogoSchema = z
  .object({
    contentType: z.enum(['image/png', 'image/svg+xml']),
    widthPx: z.number().int(),
    heightPx: z.number().int(),
    bytes: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CityLogo' });

export type UpdateCitySettingsInput = z.infer<typeof UpdateCitySettingsBody>;

// Row types, so the service's mapping stays tied to the tables.
export type BenefitTypeRow = typeof benefitTypes.$inferSelect;
export type BenefitRateRow = typeof benefitRates.$inferSelect;
export type LegalBasisRow = typeof legalBases.$inferSelect;
export type CostBearerRow = typeof costBearers.$inferSelect;
export type CitySettingsRow = typeof citySettings.$inferSelect;
