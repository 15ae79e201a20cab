import { z } from 'zod';
import { Cents } from '../../lib/http-schemas.ts';

export const BankStatementResultSchema = z
  .object({
    id: z.string(),
    messageId: z.string().describe('GrpHdr/MsgId of the imported document'),
    format: z.string().describe('e.g. camt.054.001.08'),
    matchedCount: z.number().int().describe('Batches marked paid by this document'),
    unmatched: z
      .array(
        z.object({
          endToEndId: z.string().nullable(),
          amountCents: Cents,
          reason: z
            .enum(['unknown_end_to_end_id', 'amount_mismatch', 'batch_not_exported', 'return_without_transfer'])
            .describe('Why a person has to look at this entry'),
          batchId: z.string().optional(),
          expectedCents: Cents.optional().describe('The batch total, for an amount mismatch'),
        }),
      )
      .describe('Debit entries (and returns) that matched no exported batch: listed for a person, never guessed'),
    returned: z.array(
      z.object({ batchId: z.string(), batchNumber: z.string(), reasonCode: z.string().describe('e.g. AC04') }),
    ),
    alreadyAppliedCount: z
      .number()
      .int()
      .describe('Entries an earlier document already applied (e.g. a camt.053 after the camt.054)'),
    ignoredCount: z.number().int().describe('Credits without return information (not payments of this system)'),
  })
  .meta({ id: 'BankStatementResult' });
export type BankStatementResult = z.infer<typeof BankStatementResultSchema>;
export const BankStatementList = z.object({ items: z.array(BankStatementResultSchema) });
