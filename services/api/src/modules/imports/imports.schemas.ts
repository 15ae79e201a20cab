import { z } from 'zod';

export const ImportQuery = z.object({
  mode: z
    .enum(['dry_run', 'import'])
    .default('dry_run')
    .describe('dry_run validates only; import writes the valid rows'),
  issueCards: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('Issue a card to every child this import creates'),
  async: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('Answer 202 at once and process in the background; poll getImport'),
  fileName: z.string().trim().max(200).optional(),
});

export const ImportReportLine = z
  .object({
    line: z.number().int().describe('Line in the file; the header is line 1'),
    field: z.string().describe('Column name'),
    message: z.string().describe('German, for the caseworker'),
  })
  .meta({ id: 'ImportReportLine' });

export const ImportJobSchema = z
  .object({
    id: z.string(),
    mode: z.enum(['dry_run', 'import']),
    status: z.enum(['running', 'completed', 'failed']),
    fileName: z.string().optional(),
    totalRows: z.number().int(),
    processedRows: z.number().int(),
    validRows: z.number().int(),
    invalidRows: z.number().int(),
    unchangedRows: z.number().int().describe('Valid rows whose approval was imported before (re-import)'),
    createdBeneficiaries: z.number().int().describe('Dry run: would be created'),
    createdApprovals: z.number().int().describe('Dry run: would be created'),
    issuedCards: z.number().int(),
    report: z.array(ImportReportLine),
    createdAt: z.string(),
    finishedAt: z.string().optional(),
  })
  .meta({ id: 'ImportJob' });
export type ImportJob = z.infer<typeof ImportJobSchema>;

export const ImportJobList = z.object({ items: z.array(ImportJobSchema.omit({ report: true })) });

export const ImportedChildSchema = z
  .object({
    beneficiaryId: z.string(),
    displayName: z.string().nullable().describe('"Familienname, Vorname"; null once pseudonymised'),
    caseReference: z.string().nullable(),
    cardId: z.string().nullable().describe('The active card, if the import issued one (or one was issued since)'),
    cardNumber: z.string().nullable(),
  })
  .meta({ id: 'ImportedChild' });
export type ImportedChild = z.infer<typeof ImportedChildSchema>;
export const ImportedChildList = z.object({ items: z.array(ImportedChildSchema) });
