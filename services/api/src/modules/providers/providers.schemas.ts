import { BENEFIT_TYPES } from '@tk/core';
import { PROVIDER_CATEGORIES, PROVIDER_STATUSES } from '@tk/db';
import { z } from 'zod';
import { Cents, IsoDate, Text } from '../../lib/http-schemas.ts';

const RedeemableType = z.enum(['lunch', 'participation', 'tutoring', 'trip']);

export const AddressBody = z.object({
  street: Text(70).optional(),
  postalCode: Text(16).optional(),
  town: Text(35),
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'ISO 3166 country code, e.g. DE')
    .transform((c) => c.toUpperCase()),
});

export const AddressSchema = z
  .object({
    street: z.string().optional(),
    postalCode: z.string().optional(),
    town: z.string(),
    country: z.string().describe('ISO 3166 alpha-2'),
  })
  .meta({ id: 'Address' });

export const MealPriceSchema = z.object({ validFrom: IsoDate, priceCents: Cents }).meta({ id: 'MealPrice' });

export const ProviderSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    category: z.enum(PROVIDER_CATEGORIES),
    status: z.enum(PROVIDER_STATUSES),
    benefitTypes: z.array(z.enum(BENEFIT_TYPES)),
    accountHolder: z.string(),
    iban: z.string(),
    bic: z.string().optional(),
    address: AddressSchema,
    email: z.string().optional(),
    mealPriceCents: Cents.optional().describe('Meal price in force today (lunch providers)'),
    mealPrices: z.array(MealPriceSchema),
    bankDataChangedBy: z.string().optional(),
    bankDataChangedAt: z.string().optional(),
    approvedBy: z.string().optional(),
    approvedAt: z.string().optional(),
    createdAt: z.string(),
  })
  .meta({ id: 'Provider' });
export type Provider = z.infer<typeof ProviderSchema>;

export const CreateProviderBody = z.object({
  name: Text(140),
  category: z.enum(PROVIDER_CATEGORIES).optional().describe('Derived from benefitTypes when absent'),
  accountHolder: Text(70).describe('Exactly as at the bank (Verification of Payee)'),
  iban: z.string().trim().min(1).max(50),
  bic: z.string().trim().max(11).optional(),
  address: AddressBody,
  email: z.email().optional(),
  benefitTypes: z.array(RedeemableType).min(1).max(4),
  mealPriceCents: Cents.positive().optional(),
  mealPriceValidFrom: IsoDate.optional().describe('Default: today'),
});
export type CreateProviderInput = z.infer<typeof CreateProviderBody>;

export const UpdateProviderBody = z
  .object({
    name: Text(140),
    category: z.enum(PROVIDER_CATEGORIES),
    accountHolder: Text(70),
    iban: z.string().trim().min(1).max(50),
    bic: z.string().trim().max(11).nullable(),
    address: AddressBody,
    email: z.email().nullable(),
    benefitTypes: z.array(RedeemableType).min(1).max(4),
    mealPriceCents: Cents.positive(),
    mealPriceValidFrom: IsoDate,
  })
  .partial()
  .refine((b) => Object.keys(b).some((k) => k !== 'mealPriceValidFrom'), 'nothing to change');
export type UpdateProviderInput = z.infer<typeof UpdateProviderBody>;

export const ListProvidersQuery = z.object({
  status: z.enum(PROVIDER_STATUSES).optional(),
  benefitType: RedeemableType.optional(),
  q: z.string().trim().max(100).optional(),
});

export const ProviderList = z.object({ items: z.array(ProviderSchema) });

export const SuspendProviderBody = z.object({ reason: Text(500) }).partial();
