import { api, type QueryOf, unwrap } from '../../api/client';
import { ApiError } from '../../api/problems';
import type { components } from '../../api-types';
import { saveDownload } from '../../ui/download';

export type Batch = components['schemas']['SettlementBatch'];
export type BatchWithLines = components['schemas']['SettlementBatchWithLines'];
export type BatchLine = components['schemas']['SettlementLine'];
export type BatchStatus = Batch['status'];
export type SettlementRun = components['schemas']['SettlementRun'];
export type PaymentFile = components['schemas']['PaymentFile'];
export type Provider = components['schemas']['Provider'];
export type ReimbursementReport = components['schemas']['ReimbursementReport'];
export type TakeUpReport = components['schemas']['TakeUpReport'];
export type ProviderSpendReport = components['schemas']['ProviderSpendReport'];
export type LapsedReport = components['schemas']['LapsedReport'];
export type BankStatementResult = components['schemas']['BankStatementResult'];

/** Which batches the list shows: the contract's filters of `listBatches`. */
export type BatchFilter = Pick<QueryOf<'listBatches'>, 'status' | 'providerId' | 'paymentFileId'>;
/** A report's period, as every report route takes it. */
export type DateRange = Pick<QueryOf<'getReimbursementReport'>, 'from' | 'to'>;

/** The largest page the API gives; the desk shows all matching batches at once. */
const PAGE = 1000;

export async function listBatches(
  filter: BatchFilter,
  signal?: AbortSignal,
): Promise<{ items: Batch[]; total: number }> {
  const query = { limit: PAGE, offset: 0, ...stripEmpty(filter) };
  return unwrap(await api.GET('/api/v1/settlements/batches', { params: { query }, signal }));
}

/** Lines per page on the batch screen: a batch of 5,000 lines never loads as one table. */
export const LINES_PAGE = 100;

/** A batch with one page of its lines (`linesTotal` counts all). */
export async function getBatch(id: string, linesOffset = 0, signal?: AbortSignal): Promise<BatchWithLines> {
  const query = { linesLimit: LINES_PAGE, linesOffset };
  return unwrap(await api.GET('/api/v1/settlements/batches/{id}', { params: { path: { id }, query }, signal }));
}

export async function runSettlement(cutoffDate: string): Promise<SettlementRun> {
  return unwrap(await api.POST('/api/v1/settlements/runs', { body: { cutoffDate } }));
}

export async function listRuns(limit: number, signal?: AbortSignal): Promise<SettlementRun[]> {
  return unwrap(await api.GET('/api/v1/settlements/runs', { params: { query: { limit } }, signal })).items;
}

export async function certifyBatch(id: string): Promise<Batch> {
  return unwrap(await api.POST('/api/v1/settlements/batches/{id}/certify', { params: { path: { id } } }));
}

export async function releaseBatch(id: string): Promise<Batch> {
  return unwrap(await api.POST('/api/v1/settlements/batches/{id}/release', { params: { path: { id } } }));
}

/** exported → paid on the bank's value date `paidOn`. */
export async function markBatchPaid(id: string, paidOn: string): Promise<Batch> {
  return unwrap(
    await api.POST('/api/v1/settlements/batches/{id}/paid', { params: { path: { id } }, body: { paidOn } }),
  );
}

export async function reverseRedemption(id: string, reason: string): Promise<components['schemas']['CityReversal']> {
  return unwrap(
    await api.POST('/api/v1/settlements/redemptions/{id}/reverse', { params: { path: { id } }, body: { reason } }),
  );
}

export async function listProviders(signal?: AbortSignal): Promise<Provider[]> {
  return unwrap(await api.GET('/api/v1/providers', { signal })).items;
}

export async function createPaymentFile(batchIds: string[], executionDate?: string): Promise<PaymentFile> {
  const body = executionDate ? { batchIds, executionDate } : { batchIds };
  return unwrap(await api.POST('/api/v1/settlements/payment-files', { body }));
}

export async function listPaymentFiles(signal?: AbortSignal): Promise<PaymentFile[]> {
  return unwrap(await api.GET('/api/v1/settlements/payment-files', { signal })).items;
}

export async function getPaymentFile(id: string, signal?: AbortSignal): Promise<PaymentFile> {
  return unwrap(await api.GET('/api/v1/settlements/payment-files/{id}', { params: { path: { id } }, signal }));
}

export async function markPaymentFilePaid(id: string, paidOn: string): Promise<PaymentFile> {
  return unwrap(
    await api.POST('/api/v1/settlements/payment-files/{id}/paid', { params: { path: { id } }, body: { paidOn } }),
  );
}

/** Uploads a camt.054/camt.053 file as it came from the bank; `replayed`: it was imported before (200). */
export async function importBankStatement(xml: string): Promise<{ result: BankStatementResult; replayed: boolean }> {
  const answer = await api.POST('/api/v1/settlements/bank-statements', {
    body: xml as never,
    bodySerializer: (body: unknown) => body as string,
    headers: { 'content-type': 'application/xml' },
  });
  return { result: unwrap(answer), replayed: answer.response.status === 200 };
}

export async function listBankStatements(): Promise<BankStatementResult[]> {
  return unwrap(await api.GET('/api/v1/settlements/bank-statements', {})).items;
}

export interface Reports {
  reimbursement: ReimbursementReport;
  takeUp: TakeUpReport;
  spend: ProviderSpendReport;
  lapsed: LapsedReport;
}

/** The four reports of one period, on screen (format=json). */
export async function loadReports(range: DateRange, signal?: AbortSignal): Promise<Reports> {
  const options = { params: { query: { ...range, format: 'json' as const } }, signal };
  const [reimbursement, takeUp, spend, lapsed] = await Promise.all([
    api.GET('/api/v1/reports/reimbursement', options).then(unwrap),
    api.GET('/api/v1/reports/take-up', options).then(unwrap),
    api.GET('/api/v1/reports/provider-spend', options).then(unwrap),
    api.GET('/api/v1/reports/lapsed', options).then(unwrap),
  ]);
  return {
    reimbursement: asReport(reimbursement),
    takeUp: asReport(takeUp),
    spend: asReport(spend),
    lapsed: asReport(lapsed),
  };
}

/** The report routes answer JSON or CSV; with format=json it is always the JSON object. */
function asReport<T>(value: T | string): T {
  if (typeof value === 'string') throw new ApiError(500, undefined, 'internal_error');
  return value;
}

// Downloads: fetched through the API client (bearer token, 401 handling) as a Blob, then saved.

export async function downloadSepa(file: PaymentFile): Promise<void> {
  const result = await api.GET('/api/v1/settlements/payment-files/{id}/sepa.xml', {
    params: { path: { id: file.id } },
    parseAs: 'blob',
  });
  await saveDownload(result, `${file.messageId}.xml`);
}

/** The booking list in the layout in force; German names, or the codes with `codes`. */
export async function downloadBookings(file: PaymentFile, codes = false): Promise<void> {
  const result = await api.GET('/api/v1/settlements/payment-files/{id}/bookings.csv', {
    params: { path: { id: file.id }, query: { delimiter: ';', bom: 'true', codes: codes ? 'true' : 'false' } },
    parseAs: 'blob',
  });
  await saveDownload(result, `Buchungsliste-${file.messageId}.csv`);
}

export async function downloadStatement(batch: Batch): Promise<void> {
  const result = await api.GET('/api/v1/settlements/batches/{id}/statement.pdf', {
    params: { path: { id: batch.id } },
    parseAs: 'blob',
  });
  await saveDownload(result, `Gutschrift-${batch.number}.pdf`);
}

export type ReportKind = 'reimbursement' | 'take-up' | 'provider-spend' | 'lapsed';

const REPORT_FILE_NAMES: Record<ReportKind, string> = {
  reimbursement: 'Erstattung',
  'take-up': 'Inanspruchnahme',
  'provider-spend': 'Ausgaben-je-Anbieter',
  lapsed: 'Verfallene-Budgets',
};

export async function downloadReportCsv(kind: ReportKind, range: DateRange): Promise<void> {
  const options = { params: { query: { ...range, format: 'csv' as const } }, parseAs: 'blob' as const };
  const result =
    kind === 'reimbursement'
      ? await api.GET('/api/v1/reports/reimbursement', options)
      : kind === 'take-up'
        ? await api.GET('/api/v1/reports/take-up', options)
        : kind === 'provider-spend'
          ? await api.GET('/api/v1/reports/provider-spend', options)
          : await api.GET('/api/v1/reports/lapsed', options);
  await saveDownload(result, `${REPORT_FILE_NAMES[kind]}-${range.from}-bis-${range.to}.csv`);
}

function stripEmpty<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

export type BookingListConfig = components['schemas']['BookingListConfig'];
export type SaveBookingListConfig = components['schemas']['SaveBookingListConfigBody'];

export async function getBookingListConfig(signal?: AbortSignal): Promise<BookingListConfig> {
  return unwrap(await api.GET('/api/v1/settlements/booking-list-config', { signal }));
}

/** Saves a new version of the booking list layout; every later booking list uses it. */
export async function saveBookingListConfig(body: SaveBookingListConfig): Promise<BookingListConfig> {
  return unwrap(await api.PUT('/api/v1/settlements/booking-list-config', { body }));
}
