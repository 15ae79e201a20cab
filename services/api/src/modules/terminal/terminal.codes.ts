import { isValidCardNumber, normalizeCardNumber } from '@tk/core';
import type { CardRef } from '@tk/db/queries/terminal';
import { looksLikeCardToken, verifyCardToken } from '../../lib/card-token.ts';
import type { KeyRing } from '../../lib/keys.ts';
import { InvalidCode } from './terminal.errors.ts';

/**
 * Verified QR tokens per key ring. A signature check is deterministic for an immutable ring, so a
 * token that verified once verifies again; only valid tokens are kept (garbage cannot fill the
 * cache), and the map is bounded. Card *status* is never cached: it is read online every time.
 */
const verifiedTokens = new WeakMap<KeyRing, Map<string, string>>();
const MAX_CACHED_TOKENS = 20_000;

async function cardIdOfToken(ring: KeyRing, token: string): Promise<string | null> {
  let cache = verifiedTokens.get(ring);
  if (!cache) {
    cache = new Map();
    verifiedTokens.set(ring, cache);
  }
  const hit = cache.get(token);
  if (hit) return hit;
  const cardId = await verifyCardToken(ring, token);
  if (cardId) {
    if (cache.size >= MAX_CACHED_TOKENS) cache.clear();
    cache.set(token, cardId);
  }
  return cardId;
}

/**
 * Decodes what the terminal sent, before any query: a QR token must carry a valid signature of a
 * current card key, a typed number must have 16 digits and a valid Luhn check digit. Throws 400
 * `invalid_code` otherwise, so mistyped numbers never reach the database.
 */
export async function decodeCardCode(code: string, ring: KeyRing | undefined): Promise<CardRef> {
  const text = code.trim();
  if (looksLikeCardToken(text)) {
    const cardId = ring ? await cardIdOfToken(ring, text) : null;
    if (!cardId) throw new InvalidCode();
    return { cardId };
  }
  const digits = normalizeCardNumber(text);
  if (!digits || !isValidCardNumber(digits)) throw new InvalidCode();
  return { cardNumber: digits };
}
