import { createHash } from 'node:crypto';
import { canonicalRequest } from '@tk/core';

/**
 * `requestHash` of @tk/core (sha256 hex over the canonical request), computed synchronously with node:crypto.
 * Same value, so answers stored under either replay alike; the Web Crypto digest hops through the thread
 * pool and was ≈ 10 % of the booking path's CPU (`pnpm bench redeem` profile, docs/benchmarks.md).
 */
export function requestHashSync(operation: string, body: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalRequest(operation, body)).digest('hex');
}
