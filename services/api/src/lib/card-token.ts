import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import type { KeyRing } from './keys.ts';

/**
 * The card's QR token (ADR 0008): a compact JWS (EdDSA) whose payload is only `{"c":"<card id>"}`
 * and whose header names the key (`kid`). No personal data; the server still checks the card online.
 */
export async function signCardToken(ring: KeyRing, cardId: string): Promise<{ token: string; keyId: string }> {
  const payload = new TextEncoder().encode(JSON.stringify({ c: cardId }));
  const token = await new CompactSign(payload)
    .setProtectedHeader({ alg: 'EdDSA', kid: ring.signer.kid })
    .sign(ring.signer.key);
  return { token, keyId: ring.signer.kid };
}

/** The card id of a valid token; `null` for a bad signature, an unknown or retired key, or anything malformed. */
export async function verifyCardToken(ring: KeyRing, token: string): Promise<string | null> {
  try {
    const { kid, alg } = decodeProtectedHeader(token);
    const key = kid ? ring.verifiers.get(kid) : undefined;
    if (!key || alg !== 'EdDSA') return null;
    const { payload } = await compactVerify(token, key, { algorithms: ['EdDSA'] });
    const body = JSON.parse(new TextDecoder().decode(payload)) as { c?: unknown };
    return typeof body.c === 'string' ? body.c : null;
  } catch {
    return null;
  }
}

/** A token looks like a JWS (three base64url parts); anything else at the terminal is a typed card number. */
export function looksLikeCardToken(code: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(code);
}
