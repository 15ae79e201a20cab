import { BENEFIT_TYPES } from '@tk/core';
import { CARD_STATUSES } from '@tk/db';
import { z } from 'zod';
import { Cents, IsoDate } from '../../lib/http-schemas.ts';

export const GetFamilyBalanceBody = z.object({
  cardNumber: z.string().min(1).max(40).describe('As printed, with or without spaces'),
  accessCode: z.string().min(1).max(40).describe('As printed in the letter, with or without hyphen'),
});

export const FamilyBalanceSchema = z
  .object({
    holder: z.object({ displayName: z.string() }),
    card: z.object({ status: z.enum(CARD_STATUSES) }),
    entitlements: z.array(
      z.object({
        benefitType: z.enum(BENEFIT_TYPES),
        validTo: IsoDate,
        availableCents: Cents.optional(),
        lunchAvailableToday: z.boolean().optional(),
      }),
    ),
    recentRedemptions: z.array(
      z.object({
        serviceDate: IsoDate,
        benefitType: z.enum(BENEFIT_TYPES),
        amountCents: Cents,
        providerName: z.string(),
        status: z.enum(['booked', 'reversed']),
      }),
    ),
  })
  .meta({ id: 'FamilyBalance' });
export type FamilyBalance = z.infer<typeof FamilyBalanceSchema>;
