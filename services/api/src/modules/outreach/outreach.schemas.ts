import { z } from 'zod';
import { IsoDate } from '../../lib/http-schemas.ts';

export const OutreachQuery = z.object({
  district: z.string().trim().min(1).max(80).optional().describe('Only children of this district'),
});

export const OutreachItem = z.object({
  beneficiaryId: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  district: z.string().nullable(),
  approvalId: z.string(),
  benefitType: z.string(),
  validFrom: IsoDate,
  validTo: IsoDate,
  activeCardId: z
    .string()
    .nullable()
    .describe('The card for the reminder letter (POST /cards/{id}/letter); null: none'),
});
export type OutreachItem = z.infer<typeof OutreachItem>;

export const OutreachList = z
  .object({
    weeks: z.number().int().describe('The city setting outreachWeeks'),
    begunBy: IsoDate.describe('Approvals that began on or before this day'),
    items: z.array(OutreachItem),
    truncated: z.boolean(),
  })
  .meta({ id: 'OutreachList' });
export type OutreachList = z.infer<typeof OutreachList>;
