import { generateJwk } from '../lib/keys.ts';

/**
 * Prints fresh Ed25519 keys for production as environment lines (docs/operations.md, key rotation):
 * `pnpm --filter @tk/api exec tsx src/cli/generate-keys.ts`, or from the image
 * `docker run --rm teilhabekarte:local node services/api/dist/generate-keys.js`.
 */
const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
const access = [await generateJwk(`acc-${stamp}`)];
const card = [await generateJwk(`card-${stamp}`)];
console.log(`ACCESS_TOKEN_KEYS='${JSON.stringify(access)}'`);
console.log(`CARD_TOKEN_KEYS='${JSON.stringify(card)}'`);
