import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type PeriodProofPayload, periodProofErrors } from '@tk/core';
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';

/**
 * `pnpm proof verify <proof.json> [--jwks <jwks.json>]`: checks a period proof offline (ADR 0024):
 * the EdDSA signature with the public key of its `kid` (from the JWK Set the city publishes at
 * /.well-known/jwks.json, saved beside the proof as jwks.json by default), that the readable payload is
 * exactly the signed one, and the arithmetic to the cent. Exit 0 when valid, 1 otherwise.
 */
export async function verifyPeriodProof(
  proofText: string,
  jwks: { keys: (JWK & { kid?: string })[] },
): Promise<{ ok: boolean; errors: string[]; payload?: PeriodProofPayload; kid?: string }> {
  let document: { payload?: unknown; jws?: string };
  try {
    const trimmed = proofText.trim();
    document = trimmed.startsWith('{') ? JSON.parse(trimmed) : { jws: trimmed };
  } catch {
    return { ok: false, errors: ['not a proof: neither JSON {payload, jws} nor a compact JWS'] };
  }
  if (typeof document.jws !== 'string') return { ok: false, errors: ['no jws in the file'] };
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(document.jws).kid;
  } catch {
    return { ok: false, errors: ['the jws is not a compact JWS'] };
  }
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) return { ok: false, errors: [`no public key with kid ${kid ?? '(none)'} in the JWK Set`] };
  let signed: PeriodProofPayload;
  try {
    const key = await importJWK({ ...jwk, d: undefined }, 'EdDSA');
    const { payload } = await compactVerify(document.jws, key, { algorithms: ['EdDSA'] });
    signed = JSON.parse(new TextDecoder().decode(payload)) as PeriodProofPayload;
  } catch (err) {
    return { ok: false, errors: [`signature invalid: ${(err as Error).message}`], ...(kid ? { kid } : {}) };
  }
  const errors = periodProofErrors(signed);
  if (document.payload !== undefined && !isDeepStrictEqual(document.payload, signed)) {
    errors.push('the readable payload differs from the signed one');
  }
  return { ok: errors.length === 0, errors, payload: signed, ...(kid ? { kid } : {}) };
}

async function main(argv: string[]) {
  const [command, file, ...rest] = argv;
  if (command !== 'verify' || !file) {
    console.error('usage: pnpm proof verify <proof.json> [--jwks <jwks.json>]');
    process.exitCode = 2;
    return;
  }
  // `pnpm proof` runs in services/api; paths are meant relative to where the command was typed.
  const here = process.env.INIT_CWD ?? process.cwd();
  const proofFile = path.resolve(here, file);
  const jwksIndex = rest.indexOf('--jwks');
  const jwksFile =
    jwksIndex >= 0 ? path.resolve(here, rest[jwksIndex + 1]!) : path.join(path.dirname(proofFile), 'jwks.json');
  const result = await verifyPeriodProof(
    await readFile(proofFile, 'utf8'),
    JSON.parse(await readFile(jwksFile, 'utf8')) as { keys: JWK[] },
  );
  if (result.ok && result.payload) {
    const p = result.payload;
    console.log(`VALID period proof ${p.from} … ${p.to}, signed with key ${result.kid}`);
    console.log(
      `  opening ${p.openingRemainingCents} + approved ${p.approvedCents} − booked ${p.bookedCents} + reversed ${p.reversedCents} − lapsed ${p.lapsedCents} = closing ${p.closingRemainingCents} (cents)`,
    );
    console.log(
      `  settled ${p.settledCents}, paid ${p.paidCents}; audit chain head #${p.auditChainHead.chainSeq} ${p.auditChainHead.hash}`,
    );
  } else {
    console.error('INVALID period proof');
    for (const e of result.errors) console.error(`  ${e}`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
