import { api, type RequestBody, unwrap } from '../../api/client';
import { ApiError } from '../../api/problems';
import type { components } from '../../api-types';
import { saveDownload } from '../../ui/download';

export type CardLookup = components['schemas']['CardLookup'];
export type Entitlement = components['schemas']['Entitlement'];
export type RedemptionCreated = components['schemas']['RedemptionCreated'];
export type Redemption = components['schemas']['Redemption'];

export type RedeemRequest = RequestBody<'redeem'>;

const PURPOSES_KEY = 'tk.terminal.purposes';
const PURPOSES_KEPT = 8;

/** The last purposes typed on this device, newest first (offered while typing). */
export function recentPurposes(): string[] {
  try {
    const list = JSON.parse(localStorage.getItem(PURPOSES_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberPurpose(purpose: string): void {
  const list = [purpose, ...recentPurposes().filter((p) => p !== purpose)].slice(0, PURPOSES_KEPT);
  try {
    localStorage.setItem(PURPOSES_KEY, JSON.stringify(list));
  } catch {
    // Storage full or disabled: suggestions are a convenience only.
  }
}

export async function lookupCard(code: string): Promise<CardLookup> {
  return unwrap(await api.POST('/api/v1/terminal/lookup', { body: { code } }));
}

/** Waits between retries of a booking whose answer did not arrive. */
const RETRY_DELAYS_MS = [300, 1000, 2500];
const RETRYABLE_STATUS = new Set([502, 503, 504]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Books a redemption. The caller makes one `Idempotency-Key` per booking (crypto.randomUUID) and
 * passes the same key again when the user retries: when the network drops the request or its answer,
 * this retries with the SAME key, so the server books at most once and replays its first answer.
 */
export async function redeem(request: RedeemRequest, idempotencyKey: string): Promise<RedemptionCreated> {
  for (let attempt = 0; ; attempt++) {
    const canRetry = attempt < RETRY_DELAYS_MS.length;
    let result: Awaited<ReturnType<typeof postRedemption>>;
    try {
      result = await postRedemption(request, idempotencyKey);
    } catch {
      // fetch rejected: offline, connection reset, or the answer was lost on the way back.
      if (!canRetry) throw new ApiError(0, undefined, 'network');
      await sleep(RETRY_DELAYS_MS[attempt]!);
      continue;
    }
    if (RETRYABLE_STATUS.has(result.response.status) && canRetry) {
      await sleep(RETRY_DELAYS_MS[attempt]!);
      continue;
    }
    return unwrap(result);
  }
}

function postRedemption(body: RedeemRequest, idempotencyKey: string) {
  return api.POST('/api/v1/terminal/redemptions', { body, headers: { 'idempotency-key': idempotencyKey } });
}

/** Today's bookings of this provider (the server's today, Europe/Berlin). */
export async function listTodaysRedemptions(signal?: AbortSignal): Promise<Redemption[]> {
  return unwrap(await api.GET('/api/v1/terminal/redemptions', { signal })).items;
}

/** This provider's bookings with service dates in `from..to` (inclusive). */
export async function listRedemptionsBetween(from: string, to: string, signal?: AbortSignal): Promise<Redemption[]> {
  return unwrap(await api.GET('/api/v1/terminal/redemptions', { params: { query: { from, to } }, signal })).items;
}

/** The same range as CSV for Excel. */
export async function downloadRedemptionsCsv(from: string, to: string): Promise<void> {
  const result = await api.GET('/api/v1/terminal/redemptions.csv', {
    params: { query: { from, to } },
    parseAs: 'blob',
  });
  await saveDownload(result, `Buchungen-${from}-${to}.csv`);
}

export async function reverseRedemption(id: string): Promise<void> {
  unwrap(await api.POST('/api/v1/terminal/redemptions/{id}/reverse', { params: { path: { id } }, body: {} }));
}

/** A fresh idempotency key for one booking. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

export type RedemptionImportReport = components['schemas']['RedemptionImportReport'];

/**
 * Sends a booking file (importRedemptions): `dryRun` only checks it. The same `idempotencyKey` for the
 * check and the booking of one chosen file, and again when the booking is retried: the server books
 * every line at most once and answers a repeat with its first report.
 */
export async function uploadRedemptionFile(
  file: File,
  options: { dryRun: boolean; idempotencyKey: string },
): Promise<RedemptionImportReport> {
  let result: Awaited<ReturnType<typeof postFile>>;
  try {
    result = await postFile(file, options);
  } catch {
    throw new ApiError(0, undefined, 'network');
  }
  return unwrap(result);
}

function postFile(file: File, options: { dryRun: boolean; idempotencyKey: string }) {
  return api.POST('/api/v1/terminal/redemption-imports', {
    params: { query: { dryRun: options.dryRun ? 'true' : 'false' } },
    body: file as never,
    bodySerializer: (body: unknown) => body,
    headers: { 'content-type': 'text/csv', 'idempotency-key': options.idempotencyKey },
  });
}
