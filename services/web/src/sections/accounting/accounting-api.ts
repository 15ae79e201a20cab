import { api, unwrap } from '../../api/client';
import { ApiError, type ProblemBody } from '../../api/problems';
import type { components } from '../../api-types';
import { filenameFrom, saveBlob } from '../../ui/download';

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

export interface BatchFilter {
  status?: BatchStatus | undefined;
  providerId?: string | undefined;
  paymentFileId?: string | undefined;
}

/** The largest page the API gives; the desk shows all matching batches at once. */
const PAGE = 1000;

export async function listBatches(filter: BatchFilter): Promise<{ items: Batch[]; total: number }> {
  const query = { limit: PAGE, offset: 0, ...stripEmpty(filter) };
  return unwrap(await api.GET('/api/v1/settlements/batches', { params: { query } }));
}

export async function getBatch(id: string): Promise<BatchWithLines> {
  return unwrap(await api.GET('/api/v1/settlements/batches/{id}', { params: { path: { id } } }));
}

export async function runSettlement(cutoffDate: string): Promise<SettlementRun> {
  return unwrap(await api.POST('/api/v1/settlements/runs', { body: { cutoffDate } }));
}

export async function listRuns(limit = 5): Promise<SettlementRun[]> {
  return unwrap(await api.GET('/api/v1/settlements/runs', { params: { query: { limit } } })).items;
}

export async function certifyBatch(id: string): Promise<Batch> {
  return unwrap(await api.POST('/api/v1/settlements/batches/{id}/certify', { params: { path: { id } } }));
}

export async function releaseBatch(id: string): Promise<Batch> {
  return unwrap(await api.POST('/api/v1/settlements/batches/{id}/release', { params: { path: { id } } }));
}

export async function markBatchPaid(id: string): Promise<Batch> {
  return unwrap(await api.POST('/api/v1/settlements/batches/{id}/paid', { params: { path: { id } } }));
}

export async function reverseRedemption(id: string, reason: string): Promise<components['schemas']['CityReversal']> {
  return unwrap(
    await api.POST('/api/v1/settlements/redemptions/{id}/reverse', { params: { path: { id } }, body: { reason } }),
  );
}

export async function listProviders(): Promise<Provider[]> {
  return unwrap(await api.GET('/api/v1/providers', {})).items;
}

export async function createPaymentFile(batchIds: string[], executionDate?: string): Promise<PaymentFile> {
  const body = executionDate ? { batchIds, executionDate } : { batchIds };
  return unwrap(await api.POST('/api/v1/settlements/payment-files', { body }));
}

export async function listPaymentFiles(): Promise<PaymentFile[]> {
  return unwrap(await api.GET('/api/v1/settlements/payment-files', {})).items;
}

export async function getPaymentFile(id: string): Promise<PaymentFile> {
  return unwrap(await api.GET('/api/v1/settlements/payment-files/{id}', { params: { path: { id } } }));
}

export async function markPaymentFilePaid(id: string): Promise<PaymentFile> {
  return unwrap(await api.POST('/api/v1/settlements/payment-files/{id}/paid', { params: { path: { id } } }));
}

export interface DateRange {
  from: string;
  to: string;
}

export async function reimbursementReport(range: DateRange): Promise<ReimbursementReport> {
  return asReport<ReimbursementReport>(
    unwrap(await api.GET('/api/v1/reports/reimbursement', { params: { query: { ...range, format: 'json' } } })),
  );
}

export async function takeUpReport(range: DateRange): Promise<TakeUpReport> {
  return asReport<TakeUpReport>(
    unwrap(await api.GET('/api/v1/reports/take-up', { params: { query: { ...range, format: 'json' } } })),
  );
}

export async function providerSpendReport(range: DateRange): Promise<ProviderSpendReport> {
  return asReport<ProviderSpendReport>(
    unwrap(await api.GET('/api/v1/reports/provider-spend', { params: { query: { ...range, format: 'json' } } })),
  );
}

/** The report routes answer JSON or CSV; with format=json it is always the JSON object. */
function asReport<T>(value: T | string): T {
  if (typeof value === 'string') throw new ApiError(500, undefined, 'internal_error');
  return value;
}

// Downloads: fetched through the API client (bearer token, 401 handling) as a Blob, then saved.

export type BlobResult = { data?: Blob; error?: unknown; response: Response };

export async function save(result: BlobResult, fallbackName: string): Promise<void> {
  if (!result.response.ok || !result.data) {
    const problem = await problemOf(result);
    throw new ApiError(result.response.status, problem);
  }
  saveBlob(result.data, filenameFrom(result.response, fallbackName));
}

async function problemOf(result: BlobResult): Promise<ProblemBody | undefined> {
  const error = result.error;
  if (typeof error === 'object' && error !== null && !(error instanceof Blob)) return error as ProblemBody;
  try {
    const text = error instanceof Blob ? await error.text() : typeof error === 'string' ? error : '';
    return text ? (JSON.parse(text) as ProblemBody) : undefined;
  } catch {
    return undefined;
  }
}

export async function downloadSepa(file: PaymentFile): Promise<void> {
  const result = await api.GET('/api/v1/settlements/payment-files/{id}/sepa.xml', {
    params: { path: { id: file.id } },
    parseAs: 'blob',
  });
  await save(result as BlobResult, `${file.messageId}.xml`);
}

export async function downloadBookings(file: PaymentFile): Promise<void> {
  const result = await api.GET('/api/v1/settlements/payment-files/{id}/bookings.csv', {
    params: { path: { id: file.id }, query: { delimiter: ';', bom: 'true' } },
    parseAs: 'blob',
  });
  await save(result as BlobResult, `Buchungsliste-${file.messageId}.csv`);
}

export async function downloadStatement(batch: Batch): Promise<void> {
  const result = await api.GET('/api/v1/settlements/batches/{id}/statement.pdf', {
    params: { path: { id: batch.id } },
    parseAs: 'blob',
  });
  await save(result as BlobResult, `Gutschrift-${batch.number}.pdf`);
}

export type ReportKind = 'reimbursement' | 'take-up' | 'provider-spend';

const REPORT_FILE_NAMES: Record<ReportKind, string> = {
  reimbursement: 'Erstattung',
  'take-up': 'Inanspruchnahme',
  'provider-spend': 'Ausgaben-je-Anbieter',
};

export async function downloadReportCsv(kind: ReportKind, range: DateRange): Promise<void> {
  const options = { params: { query: { ...range, format: 'csv' as const } }, parseAs: 'blob' as const };
  const result =
    kind === 'reimbursement'
      ? await api.GET('/api/v1/reports/reimbursement', options)
      : kind === 'take-up'
        ? await api.GET('/api/v1/reports/take-up', options)
        : await api.GET('/api/v1/reports/provider-spend', options);
  await save(result as BlobResult, `${REPORT_FILE_NAMES[kind]}-${range.from}-bis-${range.to}.csv`);
}

function stripEmpty<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}
