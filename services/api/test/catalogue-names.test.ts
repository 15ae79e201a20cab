import { BENEFIT_TYPE_NAMES, LEGAL_BASIS_NAMES } from '@tk/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support.ts';

// The catalogue tables (migration 0001) and @tk/core's labels module name the same codes the same way
// (ADR 0017): a rename on one side alone fails here.
let t: TestContext;
let catalogue: {
  benefitTypes: { code: string; nameDe: string }[];
  legalBases: { code: string; nameDe: string }[];
};

beforeAll(async () => {
  t = await createTestContext();
  const admin = await t.user('admin');
  const res = await t.call('GET', '/api/v1/catalogue', { token: admin.token });
  expect(res.statusCode).toBe(200);
  catalogue = res.json();
});
afterAll(() => t.close());

describe('the catalogue names its codes as the labels module does', () => {
  it('every benefit type of the catalogue has its catalogue name in BENEFIT_TYPE_NAMES, and no other', () => {
    const fromTable = Object.fromEntries(catalogue.benefitTypes.map((b) => [b.code, b.nameDe]));
    const fromCore = Object.fromEntries(Object.entries(BENEFIT_TYPE_NAMES).map(([code, n]) => [code, n.catalogue]));
    expect(fromTable).toEqual(fromCore);
  });

  it('every legal basis of the catalogue has its catalogue name in LEGAL_BASIS_NAMES, and no other', () => {
    const fromTable = Object.fromEntries(catalogue.legalBases.map((b) => [b.code, b.nameDe]));
    const fromCore = Object.fromEntries(Object.entries(LEGAL_BASIS_NAMES).map(([code, n]) => [code, n.catalogue]));
    expect(fromTable).toEqual(fromCore);
  });
});
