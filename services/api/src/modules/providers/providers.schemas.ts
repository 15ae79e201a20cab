import { BENEFIT_TYPES } from '@tk/core';
import { MEAL_PRICE_PROPOSAL_STATUSES, PROVIDER_CATEGORIES, PROVIDER_STATUSES } from '@tk/db';
import { z } from 'zod';
import { Cents, IsoDate, Text } from '../../lib/http-schemas.ts';
import { CreateUserBody } from '../users/users.schemas.ts';

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

export const MealPriceProposalSchema = z
  .object({
    id: z.string(),
    validFrom: IsoDate,
    priceCents: Cents,
    status: z.enum(MEAL_PRICE_PROPOSAL_STATUSES),
    proposedAt: z.string(),
  })
  .meta({ id: 'MealPriceProposal' });
export type MealPriceProposal = z.infer<typeof MealPriceProposalSchema>;

export const ProposeMealPriceBody = z.object({
  priceCents: Cents.positive().max(10_000),
  validFrom: IsoDate.describe('From when the price should apply (today or later)'),
});

export const ProposalParams = z.object({ id: z.string().min(1).max(64), proposalId: z.string().min(1).max(64) });

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
    phone: z.string().optional(),
    publicListing: z.boolean().describe('Listed in the public provider directory'),
    bankDataApproved: z
      .boolean()
      .describe('False while bank data changed by the provider awaits an admin (releases refused until then)'),
    selfRegistered: z.boolean().describe('Registered by the provider itself (registerProvider)'),
    mealPriceCents: Cents.optional().describe('Meal price in force today (lunch providers)'),
    mealPrices: z.array(MealPriceSchema),
    mealPriceProposals: z
      .array(MealPriceProposalSchema)
      .describe('Meal prices the provider proposed, newest first; a pending one waits for the city'),
    bankDataChangedBy: z.string().optional(),
    bankDataChangedAt: z.string().optional(),
    approvedBy: z.string().optional(),
    approvedAt: z.string().optional(),
    createdAt: z.string(),
  })
  .meta({ id: 'Provider' });
export type Provider = z.infer<typeof ProviderSchema>;

export const ProviderWarningSchema = z
  .object({
    code: z.literal('iban_in_use'),
    providerId: z.string(),
    providerName: z.string(),
  })
  .describe('The IBAN is already the account of another provider (a warning: the change was saved)')
  .meta({ id: 'ProviderWarning' });
export type ProviderWarning = z.infer<typeof ProviderWarningSchema>;

/** A provider as an admin sees it (create, update, get): with what the admin should double-check. */
export const ProviderWithWarningsSchema = ProviderSchema.extend({
  warnings: z.array(ProviderWarningSchema).optional().describe('Only for admins; absent when there is nothing'),
}).meta({ id: 'ProviderWithWarnings' });

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

const Phone = z
  .string()
  .trim()
  .min(3)
  .max(40)
  .regex(/^[0-9 +()/.-]+$/, 'digits, spaces and + ( ) / . - only');

export const ContactBody = z.object({ email: z.email().max(254), phone: Phone.optional() });

export const RegisterProviderBody = z
  .object({
    name: z.string().trim().min(1).max(140),
    category: z.enum(PROVIDER_CATEGORIES).optional().describe('Derived from benefitTypes when absent'),
    accountHolder: z.string().trim().min(1).max(70).describe('Exactly as at the bank (Verification of Payee)'),
    iban: z.string().trim().min(1).max(50),
    bic: z.string().trim().max(11).optional(),
    address: AddressBody.extend({ country: AddressBody.shape.country.default('DE') }),
    benefitTypes: z.array(RedeemableType).min(1).max(4),
    contact: ContactBody,
    admin: CreateUserBody.pick({ username: true, password: true }),
  })
  .meta({ id: 'RegisterProviderBody' });
export type RegisterProviderInput = z.infer<typeof RegisterProviderBody>;

export const ProviderRegistrationSchema = z
  .object({ id: z.string(), status: z.literal('pending') })
  .meta({ id: 'ProviderRegistration' });

export const UpdateProviderBody = z
  .object({
    name: Text(140),
    category: z.enum(PROVIDER_CATEGORIES),
    accountHolder: Text(70),
    iban: z.string().trim().min(1).max(50),
    bic: z.string().trim().max(11).nullable(),
    address: AddressBody,
    email: z.email().nullable(),
    contact: z.object({ email: z.email().max(254).nullable(), phone: Phone.nullable() }).partial(),
    publicListing: z.boolean(),
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
