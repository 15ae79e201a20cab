import { BENEFIT_TYPES } from '@tk/core';
import { PROVIDER_CATEGORIES } from '@tk/db';
import { z } from 'zod';

export const ListPublicProvidersQuery = z.object({
  benefitType: z.enum(BENEFIT_TYPES).optional(),
  town: z.string().trim().min(1).max(120).optional().describe('Exact town, case-insensitive'),
  q: z.string().trim().min(1).max(120).optional().describe('Words in the name, street, postal code or town'),
});
export type ListPublicProvidersQuery = z.infer<typeof ListPublicProvidersQuery>;

export const PublicProviderSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    category: z.enum(PROVIDER_CATEGORIES),
    benefitTypes: z.array(z.enum(BENEFIT_TYPES)),
    address: z.object({ street: z.string().optional(), postalCode: z.string().optional(), town: z.string() }),
    contact: z.object({ email: z.string().optional() }).optional(),
  })
  .meta({ id: 'PublicProvider' });
export type PublicProvider = z.infer<typeof PublicProviderSchema>;

export const PublicProviderList = z.object({ items: z.array(PublicProviderSchema) });
