import { createPrivateKey, type KeyObject, randomUUID, type webcrypto } from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Config } from '../config.ts';

type CryptoKey = webcrypto.CryptoKey;

/**
 * Ed25519 key rings for access tokens, card QR tokens (ADR 0003) and signed period proofs (ADR 0024). The first key with a private
 * part signs; every listed key verifies; a key removed from the list is retired and stops verifying.
 */
export interface KeyRing {
  /** `key` for jose; `keyObject` (the same private key) for node:crypto's synchronous signing of card tokens. */
  signer: { kid: string; key: CryptoKey; keyObject: KeyObject };
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
    if (!signer && jwk.d) {
      const key = (await importJWK(jwk, 'EdDSA')) as CryptoKey;
      signer = { kid: jwk.kid, key, keyObject: createPrivateKey({ key: jwk, format: 'jwk' }) };
    }
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

interface StoredKeys {
  access: StoredJwk[];
  card: StoredJwk[];
}

/**
 * Keys from the environment; without them keys are generated once into `KEYS_DIR/keys.json` (default
 * `DATA_DIR`; mode 0600) and read from there on every later start, so tokens and printed cards survive
 * restarts. Production accepts that only with an explicit KEYS_DIR (config): a persistent volume that every
 * replica mounts. `generatedFile` is set when this start created the file, so the server can say so.
 */
export async function loadKeyRings(config: Config): Promise<KeyRings & { generatedFile: string | undefined }> {
  let stored: StoredKeys | undefined;
  let generatedFile: string | undefined;
  const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  if (!config.accessTokenKeys || !config.cardTokenKeys) {
    const file = path.resolve(config.keysDir, 'keys.json');
    const found = await readOrCreateKeyFile<StoredKeys>(file, async () => ({
      access: [await generateJwk(`acc-${stamp}`)],
      card: [await generateJwk(`card-${stamp}`)],
    }));
    stored = found.keys;
    if (found.created) generatedFile = file;
  }
  // Proof keys have a file of their own, so a key directory from before period proofs simply gains one.
  let storedProof: StoredJwk[] | undefined;
  if (!config.proofSigningKeys) {
    const file = path.resolve(config.keysDir, 'proof-keys.json');
    const found = await readOrCreateKeyFile<{ proof: StoredJwk[] }>(file, async () => ({
      proof: [await generateJwk(`proof-${stamp}`)],
    }));
    storedProof = found.keys.proof;
    if (found.created) generatedFile ??= file;
  }
  const access = config.accessTokenKeys ? parseJwks('ACCESS_TOKEN_KEYS', config.accessTokenKeys) : stored!.access;
  const card = config.cardTokenKeys ? parseJwks('CARD_TOKEN_KEYS', config.cardTokenKeys) : stored!.card;
  const proof = config.proofSigningKeys ? parseJwks('PROOF_SIGNING_KEYS', config.proofSigningKeys) : storedProof!;
  return {
    access: await keyRingFromJwks(access),
    card: await keyRingFromJwks(card),
    proof: await keyRingFromJwks(proof),
    generatedFile,
  };
}

/**
 * Reads the key file or creates it. Replicas may start together on an empty volume: each writes its own
 * candidate to a temporary file and hard-links it into place, which succeeds for exactly one of them; the
 * others read the winner's keys. The file is complete (and synced) before it becomes visible.
 */
async function readOrCreateKeyFile<T>(
  file: string,
  generate: () => Promise<T>,
): Promise<{ keys: T; created: boolean }> {
  const existing = await readKeyFile<T>(file);
  if (existing) return { keys: existing, created: false };
  const keys = await generate();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const candidate = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const handle = await open(candidate, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(keys, null, 2));
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(candidate, file);
    return { keys, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { keys: (await readKeyFile<T>(file))!, created: false };
  } finally {
    await rm(candidate, { force: true });
  }
}

async function readKeyFile<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot read the signing keys (${(err as Error).message})`);
  }
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
