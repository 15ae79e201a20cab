import { z } from 'zod';

export const RedemptionImportQuery = z.object({
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('true: check every line and answer the report (200); nothing is booked'),
});

export const RedemptionImportReport = z
  .object({
    id: z.string(),
    bookedCount: z.number().int().describe('Lines booked (dry run: lines that would book)'),
    declined: z.array(
      z.object({
        line: z.number().int().describe('Line in the file (the header is line 1)'),
        code: z.string().describe('The problem code a single redeem would answer (e.g. insufficient_budget)'),
        detail: z.string().describe('German, for the provider; never a date of the child'),
      }),
    ),
  })
  .meta({ id: 'RedemptionImportReport' });
