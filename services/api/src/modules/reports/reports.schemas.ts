import { z } from 'zod';
import { Cents, CsvCodes, IsoDate } from '../../lib/http-schemas.ts';

export const ReportFormat = z.enum(['json', 'csv']).default('json').describe('json (default) or csv (German Excel)');

export const DateRangeQuery = z
  .object({ from: IsoDate, to: IsoDate, format: ReportFormat, codes: CsvCodes })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] });

export const ReimbursementRow = z.object({
  paymentDate: IsoDate,
  legalBasis: z.string(),
  costBearer: z.string().nullable(),
  federalRefund: z.boolean().describe('SGB II and BKGG: refunded by the federation, by payment date (cash basis)'),
  amountCents: Cents,
});
export const ReimbursementReport = z
  .object({
    from: IsoDate,
    to: IsoDate,
    items: z.array(ReimbursementRow),
    federalRefundCents: Cents,
    otherCents: Cents,
  })
  .meta({ id: 'ReimbursementReport' });
export type ReimbursementReport = z.infer<typeof ReimbursementReport>;

export const TakeUpRow = z.object({
  month: z.string().describe('YYYY-MM'),
  benefitType: z.string(),
  childrenWithBooking: z.number().int(),
  childrenWithApproval: z.number().int(),
  takeUpPercent: z.number().nullable(),
});
export const TakeUpReport = z
  .object({ from: IsoDate, to: IsoDate, items: z.array(TakeUpRow) })
  .meta({ id: 'TakeUpReport' });
export type TakeUpReport = z.infer<typeof TakeUpReport>;

export const ProviderSpendRow = z.object({
  providerId: z.string(),
  providerName: z.string(),
  benefitType: z.string(),
  bookings: z.number().int(),
  amountCents: Cents,
});
export const ProviderSpendReport = z
  .object({ from: IsoDate, to: IsoDate, items: z.array(ProviderSpendRow), totalCents: Cents })
  .meta({ id: 'ProviderSpendReport' });
export type ProviderSpendReport = z.infer<typeof ProviderSpendReport>;

/** A count of children, or "< 5" when it is below 5 (small-number suppression: no family can be singled out). */
export const SuppressedCount = z
  .union([z.number().int().min(5), z.literal('< 5')])
  .describe('Number of children; "< 5" when fewer than 5');
export type SuppressedCount = z.infer<typeof SuppressedCount>;

export const DistrictTakeUpRow = z.object({
  district: z.string().nullable().describe('null: children without a district'),
  benefitType: z.string(),
  childrenWithApproval: SuppressedCount,
  childrenWithBooking: SuppressedCount,
  takeUpPercent: z.number().nullable().describe('null when a count is suppressed'),
});
export const DistrictTakeUpReport = z
  .object({ from: IsoDate, to: IsoDate, items: z.array(DistrictTakeUpRow) })
  .meta({ id: 'DistrictTakeUpReport' });
export type DistrictTakeUpReport = z.infer<typeof DistrictTakeUpReport>;
export const LapsedRow = z.object({
  month: z.string().describe('YYYY-MM: the month in which the budget lapsed (Berlin)'),
  benefitType: z.string(),
  legalBasis: z.string(),
  costBearer: z.string().nullable(),
  approvals: z.number().int().describe('Approvals with a lapse entry in the month'),
  lapsedCents: Cents,
});
export const LapsedReport = z
  .object({ from: IsoDate, to: IsoDate, items: z.array(LapsedRow), totalCents: Cents })
  .meta({ id: 'LapsedReport' });
export type LapsedReport = z.infer<typeof LapsedReport>;
