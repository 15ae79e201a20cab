/**
 * The canonical text an idempotent write is hashed over: the operation and the request body with its keys
 * sorted and `undefined` members dropped, so the same request always yields the same text.
 */
export function canonicalRequest(operation: string, body: Record<string, unknown>): string {
  return JSON.stringify([
    operation,
    Object.fromEntries(
      Object.entries(body)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  ]);
}

/**
 * The hash an idempotent write is stored with: sha256 (hex) over `canonicalRequest`.
 * Web Crypto (`globalThis.crypto`), so it runs in Node and in the browser alike. The API's hot path
 * computes the same value synchronously with node:crypto (services/api/src/lib/request-hash.ts).
 */
export async function requestHash(operation: string, body: Record<string, unknown>): Promise<string> {
  const canonical = canonicalRequest(operation, body);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
