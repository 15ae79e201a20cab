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
