import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt (RFC 7914) as OWASP recommends: N=2^15, r=8, p=1, 16-byte salt, 32-byte key. The cost
 * (log2 N) is `PASSWORD_HASH_COST`, set once at start (`setPasswordHashCost`); each hash records its
 * own parameters, so a changed cost never invalidates stored passwords.
 */
export const DEFAULT_PASSWORD_HASH_COST = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
let N = 2 ** DEFAULT_PASSWORD_HASH_COST;

/** The process-wide cost for new hashes (and for the unmatchable hash below). */
export function setPasswordHashCost(cost: number): void {
  N = 2 ** cost;
}

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes (32 MiB at the default cost); twice that leaves room for OpenSSL.
  const maxmem = Math.max(64 * 1024 * 1024, 256 * n * r);
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N: n, r, p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/**
 * `cost` is scrypt's N. Passwords use the OWASP default; a random secret with enough entropy of its
 * own (the family access code, 50 bits) may use a lower one, so issuing a thousand letters stays fast.
 */
export async function hashPassword(password: string, cost = N): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost, R, P);
  return `scrypt$${cost}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash that never matches, to spend the same time on unknown usernames (or card numbers) as on known ones. */
export const unmatchableHash = (cost = N) =>
  `scrypt$${cost}$${R}$${P}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;
