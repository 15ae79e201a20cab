import { generateJwk } from '../lib/keys.ts';

/**
 * Prints fresh Ed25519 keys for production as environment lines (docs/operations.md, key rotation):
 * `pnpm --filter @tk/api exec tsx src/cli/generate-keys.ts`, or from the image
 * `docker run --rm teilhabekarte:local node services/api/dist/generate-keys.js`.
 */
const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
const access = [await generateJwk(`acc-${stamp}`)];
const card = [await generateJwk(`card-${stamp}`)];
const proof = [await generateJwk(`proof-${stamp}`)];
console.log(`ACCESS_TOKEN_KEYS='${JSON.stringify(access)}'`);
console.log(`CARD_TOKEN_KEYS='${JSON.stringify(card)}'`);
console.log(`PROOF_SIGNING_KEYS='${JSON.stringify(proof)}'`);
