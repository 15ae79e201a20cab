import type { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Config } from '../config.ts';

type CryptoKey = webcrypto.CryptoKey;

/**
 * Ed25519 key rings for access tokens, card QR tokens (ADR 0003) and signed period proofs (ADR 0017). The first key with a private
 * part signs; every listed key verifies; a key removed from the list is retired and stops verifying.
 */
export interface KeyRing {
  signer: { kid: string; key: CryptoKey };
  verifiers: Map<string, CryptoKey>;
}

export interface KeyRings {
  access: KeyRing;
  card: KeyRing;
  proof: KeyRing;
}

type StoredJwk = JWK & { kid: string };

export async function generateJwk(kid: string): Promise<StoredJwk> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' };
}

export async function keyRingFromJwks(jwks: StoredJwk[]): Promise<KeyRing> {
  const verifiers = new Map<string, CryptoKey>();
  let signer: KeyRing['signer'] | undefined;
  for (const jwk of jwks) {
    if (!jwk.kid) throw new Error('every key needs a kid');
    const { d: _d, ...publicJwk } = jwk;
    verifiers.set(jwk.kid, (await importJWK(publicJwk, 'EdDSA')) as CryptoKey);
    if (!signer && jwk.d) signer = { kid: jwk.kid, key: (await importJWK(jwk, 'EdDSA')) as CryptoKey };
  }
  if (!signer) throw new Error('no key with a private part to sign with');
  return { signer, verifiers };
}

function parseJwks(name: string, json: string): StoredJwk[] {
  try {
    const value = JSON.parse(json) as unknown;
    if (!Array.isArray(value) || value.length === 0) throw new Error('not a non-empty array');
    return value as StoredJwk[];
  } catch (err) {
    throw new Error(`${name}: expected a JSON array of Ed25519 JWKs (${(err as Error).message})`);
  }
}

/**
 * Keys from the environment; without them (not in production: config refuses that) keys are
 * generated once and kept in `DATA_DIR/keys.json` (mode 0600) so tokens and printed cards survive restarts.
 */
export async function loadKeyRings(config: Config): Promise<KeyRings> {
  let stored: { access: StoredJwk[]; card: StoredJwk[]; proof?: StoredJwk[] } | undefined;
  if (!config.accessTokenKeys || !config.cardTokenKeys || !config.proofSigningKeys) {
    const file = path.resolve(config.dataDir, 'keys.json');
    const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    if (existsSync(file)) {
      stored = JSON.parse(await readFile(file, 'utf8'));
    } else {
      stored = { access: [await generateJwk(`acc-${stamp}`)], card: [await generateJwk(`card-${stamp}`)] };
    }
    // A data directory from before period proofs gets its proof key on the next start.
    if (!existsSync(file) || !stored!.proof) {
      stored!.proof ??= [await generateJwk(`proof-${stamp}`)];
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
      await chmod(file, 0o600);
    }
  }
  const access = config.accessTokenKeys ? parseJwks('ACCESS_TOKEN_KEYS', config.accessTokenKeys) : stored!.access;
  const card = config.cardTokenKeys ? parseJwks('CARD_TOKEN_KEYS', config.cardTokenKeys) : stored!.card;
  const proof = config.proofSigningKeys ? parseJwks('PROOF_SIGNING_KEYS', config.proofSigningKeys) : stored!.proof!;
  return {
    access: await keyRingFromJwks(access),
    card: await keyRingFromJwks(card),
    proof: await keyRingFromJwks(proof),
  };
}

/** Fresh in-memory key rings (tests, benchmarks). */
export async function generateKeyRings(): Promise<
  KeyRings & { jwks: { access: StoredJwk[]; card: StoredJwk[]; proof: StoredJwk[] } }
> {
  const jwks = {
    access: [await generateJwk('acc-test')],
    card: [await generateJwk('card-test')],
    proof: [await generateJwk('proof-test')],
  };
  return {
    access: await keyRingFromJwks(jwks.access),
    card: await keyRingFromJwks(jwks.card),
    proof: await keyRingFromJwks(jwks.proof),
    jwks,
  };
}

/** The public keys of a ring as a JWK Set (`/.well-known/jwks.json`): kid, alg and use, never a private part. */
export async function publicJwks(ring: KeyRing): Promise<{
  keys: { kty: string; crv: string; x: string; kid: string; alg: string; use: string }[];
}> {
  const keys = [];
  for (const [kid, key] of ring.verifiers) {
    const { kty, crv, x } = await exportJWK(key);
    keys.push({ kty: kty ?? 'OKP', crv: crv ?? 'Ed25519', x: x ?? '', kid, alg: 'EdDSA', use: 'sig' });
  }
  return { keys };
}
