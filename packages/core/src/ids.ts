import { typeid } from 'typeid-js';

/** Prefixes of public ids. Serial integers never leave the database. */
export const ID_PREFIX = {
  user: 'usr',
  provider: 'prv',
  beneficiary: 'ben',
  approval: 'apv',
  card: 'card',
  redemption: 'rdm',
  reversal: 'rev',
  decline: 'dcl',
  run: 'run',
  batch: 'stl',
  line: 'sln',
  paymentFile: 'pay',
  importJob: 'imp',
  mealPriceProposal: 'mpp',
  redemptionImport: 'rim',
  bankStatement: 'bst',
  retentionRun: 'ret',
  lapseRun: 'lps',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/** A new opaque, prefixed, time-ordered id (TypeID: prefix + UUIDv7 in base32), e.g. `card_01jc…`. */
export function newId(kind: IdKind): string {
  return typeid(ID_PREFIX[kind]).toString();
}
