import { BENEFIT_TYPES, LEGAL_BASES } from '@tk/core';
import { BATCH_STATUSES } from '@tk/db';
import { z } from 'zod';
import { Cents, CsvCodes, IsoDate, IsoTimestamp, Text } from '../../lib/http-schemas.ts';
import { BOOKING_LIST_FIELD_KEYS } from './settlement.booking-list.ts';

export const RunSettlementBody = z
  .object({
    cutoffDate: IsoDate.optional().describe(
      'Settle what was booked before 00:00 Europe/Berlin of this date; default today, at most tomorrow',
    ),
  })
  .default({});

export const SettlementRunSchema = z
  .object({
    id: z.string(),
    cutoffDate: IsoDate,
    batchCount: z.number().int(),
    totalCents: Cents.describe('Net sum of the batches this run created'),
    status: z.enum(['running', 'completed']),
    startedAt: IsoTimestamp,
    finishedAt: IsoTimestamp.nullable(),
    triggeredBy: z.string(),
  })
  .meta({ id: 'SettlementRun' });
export type SettlementRun = z.infer<typeof SettlementRunSchema>;
export const SettlementRunList = z.object({ items: z.array(SettlementRunSchema) });
export const ListRunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export const BatchStatus = z.enum(BATCH_STATUSES);

export const BatchSchema = z
  .object({
    id: z.string(),
    number: z.string().describe('Readable, unique batch (and statement) number, e.g. ABR-2026-000123'),
    providerId: z.string(),
    providerName: z.string(),
    totalCents: Cents,
    lineCount: z.number().int(),
    status: BatchStatus,
    runId: z.string(),
    cutoffDate: IsoDate,
    periodFrom: IsoDate.nullable(),
    periodTo: IsoDate.nullable(),
    createdAt: IsoTimestamp,
    certifiedBy: z.string().nullable(),
    certifiedByName: z.string().nullable().describe('Username of the certifier'),
    certifiedAt: IsoTimestamp.nullable(),
    releasedBy: z.string().nullable(),
    releasedByName: z.string().nullable().describe('Username of the releaser'),
    releasedAt: IsoTimestamp.nullable(),
    paymentFileId: z.string().nullable(),
    paidAt: IsoTimestamp.nullable(),
    paidBy: z.string().nullable(),
    paidByName: z.string().nullable().describe('Username of who marked it paid (null for a bank statement import)'),
    paidOn: IsoDate.nullable().describe("The bank's value date of the transfer (from an imported bank statement)"),
    returnReason: z.string().nullable().describe('ISO 20022 return reason code (e.g. AC04) of a returned transfer'),
    returnedAt: IsoTimestamp.nullable(),
  })
  .meta({ id: 'SettlementBatch' });
export type Batch = z.infer<typeof BatchSchema>;

export const BatchLineSchema = z
  .object({
    kind: z.enum(['redemption', 'correction', 'carry_forward']),
    redemptionId: z.string().nullable(),
    reversalId: z.string().nullable(),
    carriedFromBatchId: z.string().nullable(),
    carriedFromBatchNumber: z.string().nullable(),
    cardRef: z.string().nullable().describe('Pseudonymous card reference: last four digits of the card number'),
    serviceDate: IsoDate.nullable(),
    bookedAt: IsoTimestamp.nullable(),
    benefitType: z.string().nullable(),
    legalBasis: z.string().nullable().describe('Accounting only; null for provider users'),
    costBearer: z.string().nullable().describe('Accounting only; null for provider users'),
    amountCents: Cents,
  })
  .meta({ id: 'SettlementLine' });
export type BatchLine = z.infer<typeof BatchLineSchema>;

export const RELEASE_REFUSALS = [
  'certified_by_you',
  'bank_data_changed_by_you',
  'bank_data_unapproved',
  'provider_not_payable',
] as const;
export type ReleaseRefusal = (typeof RELEASE_REFUSALS)[number];

export const BatchWithLinesSchema = BatchSchema.extend({
  lines: z.array(BatchLineSchema).describe('All lines, or the page asked for with linesLimit/linesOffset'),
  linesTotal: z.number().int().describe('Number of all lines of the batch'),
  releaseRefusal: z
    .enum(RELEASE_REFUSALS)
    .nullable()
    .describe('For a certified batch: why the signed-in user may not release it (four eyes, provider state), or null'),
}).meta({ id: 'SettlementBatchWithLines' });

export const GetBatchQuery = z.object({
  linesLimit: z.coerce.number().int().min(1).max(1000).optional().describe('Page size of `lines`; default all'),
  linesOffset: z.coerce.number().int().min(0).default(0),
});

export const MarkPaidBody = z
  .object({
    paidOn: IsoDate.optional().describe(
      "The bank's value date: not before the payment file's execution date, not in the future; default today",
    ),
  })
  .nullish();

export const ListBatchesQuery = z.object({
  status: BatchStatus.optional(),
  providerId: z.string().max(64).optional(),
  runId: z.string().max(64).optional(),
  paymentFileId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});
export const BatchList = z.object({ items: z.array(BatchSchema), total: z.number().int() });

export const CreatePaymentFileBody = z.object({
  batchIds: z.array(z.string().min(1).max(64)).min(1).max(5000),
  executionDate: IsoDate.optional().describe('Requested execution date; default the next business day'),
});

export const PaymentFileSchema = z
  .object({
    id: z.string(),
    messageId: z.string(),
    executionDate: IsoDate,
    batchCount: z.number().int(),
    totalCents: Cents,
    createdAt: IsoTimestamp,
    createdBy: z.string(),
    batchIds: z.array(z.string()),
    status: z.enum(['exported', 'paid', 'partly_paid']),
  })
  .meta({ id: 'PaymentFile' });
export type PaymentFile = z.infer<typeof PaymentFileSchema>;
export const PaymentFileList = z.object({ items: z.array(PaymentFileSchema) });

export const BookingsCsvQuery = z.object({
  delimiter: z.enum([';', ',', 'tab']).default(';').describe('Column separator; default ";" (German Excel)'),
  bom: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe('Write a UTF-8 byte order mark (Excel needs it to read umlauts)'),
  codes: CsvCodes,
});

const BookingListColumnSchema = z.object({
  key: z.enum(BOOKING_LIST_FIELD_KEYS).describe('Which field; an unknown one is refused (400)'),
  header: Text(60).describe('The column header in the file'),
});
const BookingAccountSchema = z.object({
  legalBasis: z.enum(LEGAL_BASES),
  costBearer: z.string().trim().min(1).max(40).describe("A cost bearer code of the catalogue, or '*' for any"),
  benefitType: z.union([z.enum(BENEFIT_TYPES), z.literal('*')]).describe("A benefit type, or '*' for any"),
  costCentre: Text(30),
  account: Text(30),
});

export const BookingListConfigSchema = z
  .object({
    version: z.number().int().describe('0 = the built-in layout (nothing saved yet)'),
    columns: z.array(BookingListColumnSchema),
    accounts: z
      .array(BookingAccountSchema)
      .describe('Cost centre and account per legal basis × cost bearer × benefit type; the most specific row wins'),
    savedAt: IsoTimestamp.nullable(),
    savedBy: z.string().nullable(),
    savedByName: z.string().nullable(),
    fields: z
      .array(z.object({ key: z.enum(BOOKING_LIST_FIELD_KEYS), defaultHeader: z.string() }))
      .describe('Every field a column can show, with its default header'),
  })
  .meta({ id: 'BookingListConfig' });
export type BookingListConfig = z.infer<typeof BookingListConfigSchema>;

export const SaveBookingListConfigBody = z
  .object({
    columns: z
      .array(BookingListColumnSchema.extend({ header: Text(60).optional().describe('Default: the field name') }))
      .min(1)
      .max(30)
      .refine((cols) => new Set(cols.map((c) => c.key)).size === cols.length, 'a column may appear only once'),
    accounts: z
      .array(BookingAccountSchema)
      .max(500)
      .refine(
        (rows) => new Set(rows.map((r) => `${r.legalBasis}|${r.costBearer}|${r.benefitType}`)).size === rows.length,
        'each legal basis × cost bearer × benefit type only once',
      ),
  })
  .meta({ id: 'SaveBookingListConfigBody' });
export type SaveBookingListConfigInput = z.infer<typeof SaveBookingListConfigBody>;

export const ReverseRedemptionBody = z.object({
  reason: Text(500, 3).describe('Why the city reverses this redemption (recorded)'),
});
export const ReverseRedemptionResult = z
  .object({
    id: z.string(),
    status: z.literal('reversed'),
    reversalId: z.string(),
    kind: z.enum(['void', 'correction']),
    amountCents: Cents,
  })
  .meta({ id: 'CityReversal' });
