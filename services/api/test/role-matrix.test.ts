import { ROLES } from '@tk/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/seed/demo.ts';
import { makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, type TestContext } from './support.ts';

/**
 * Role matrix: every role (and no token) × every operation of the served OpenAPI document. The
 * document's `x-roles` (from each route's `config.roles`) is the table; this test proves the server
 * enforces it: no token → 401, a role not listed → 403, a listed role gets past authorisation.
 */
let t: TestContext;
const tokens: Record<string, string> = {};
let doc: { paths: Record<string, Record<string, { operationId?: string; 'x-roles'?: string[] }>> };
let sampleIds: Record<string, string>;
let child: Awaited<ReturnType<typeof makeChildWithCard>>;

beforeAll(async () => {
  t = await createTestContext({ config: { rateLimitPerMinute: 1_000_000 } });
  await seedDemo(t.db, t.keys);
  const provider = await makeProvider(t.db);
  child = await makeChildWithCard(t.db, t.keys);
  sampleIds = {
    provider: provider.id,
    beneficiary: child.beneficiary.id,
    approval: child.approval.id,
    card: child.card.id,
  };
  for (const role of ROLES) {
    tokens[role] = (await t.user(role, role.startsWith('provider_') ? provider.id : null)).token;
  }
  doc = (await t.call('GET', '/openapi.json')).json();
});
afterAll(() => t.close());

function fillPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (path.includes('/providers/')) return sampleIds.provider!;
    if (path.includes('/beneficiaries/')) return sampleIds.beneficiary!;
    if (path.includes('/approvals/')) return sampleIds.approval!;
    if (path.includes('/cards/')) return sampleIds.card!;
    return `${name}_unknown`;
  });
}

const isRoleDenial = (status: number, body: string) =>
  status === 403 && body.includes('may not perform this operation');

describe('role matrix', () => {
  it('every operation × every role is allowed, 401 or 403 exactly as its x-roles say', async () => {
    const cells: string[] = [];
    const wrong: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const allowed = op['x-roles'];
        if (!allowed) continue; // public operations (login, health) have no role
        const url = fillPath(path);
        const payload = method === 'get' ? {} : { payload: '{}', headers: { 'content-type': 'application/json' } };
        const anonymous = await t.app.inject({ method: method.toUpperCase() as 'GET', url, ...payload });
        cells.push(`${op.operationId} anonymous`);
        if (anonymous.statusCode !== 401) wrong.push(`${op.operationId} without token: ${anonymous.statusCode}`);
        for (const role of ROLES) {
          const res = await t.app.inject({
            method: method.toUpperCase() as 'GET',
            url,
            ...payload,
            headers: { ...(payload.headers ?? {}), authorization: `Bearer ${tokens[role]}` },
          });
          cells.push(`${op.operationId} ${role}`);
          // Logout ends the session it was called with: sign in again for the rest of the matrix.
          if (op.operationId === 'logout' && res.statusCode === 204) {
            tokens[role] = (await t.user(role, role.startsWith('provider_') ? sampleIds.provider : null)).token;
          }
          const denied = isRoleDenial(res.statusCode, res.body);
          if (allowed.includes(role) && (denied || res.statusCode === 401)) {
            wrong.push(`${op.operationId} ${role}: allowed by x-roles but got ${res.statusCode}`);
          }
          if (!allowed.includes(role) && !denied) {
            wrong.push(`${op.operationId} ${role}: not in x-roles but got ${res.statusCode} ${res.body.slice(0, 120)}`);
          }
          if (res.statusCode >= 500) wrong.push(`${op.operationId} ${role}: ${res.statusCode}`);
        }
      }
    }
    console.log(`role matrix: ${cells.length} cells`);
    expect(wrong).toEqual([]);
    expect(cells.length).toBeGreaterThan(30);
  });

  it("need-to-know: an admin reads no child's data (search, child, approval, card → 403); a caseworker does", async () => {
    const reads = [
      `/api/v1/beneficiaries?q=${encodeURIComponent('a')}`,
      `/api/v1/beneficiaries/${sampleIds.beneficiary}`,
      `/api/v1/approvals/${sampleIds.approval}`,
      `/api/v1/cards/${sampleIds.card}`,
    ];
    for (const url of reads) {
      const denied = await t.call('GET', url, { token: tokens.admin });
      expect(denied.statusCode, url).toBe(403);
      expect(denied.json().code).toBe('forbidden');
      expect(denied.body).not.toContain(child.beneficiary.familyName);
      expect((await t.call('GET', url, { token: tokens.caseworker })).statusCode, url).toBe(200);
    }
  });

  it('accounting, caseworkers and admins never get terminal access, provider users never the back office', async () => {
    for (const role of ['admin', 'caseworker', 'accounting'] as const) {
      const res = await t.call('POST', '/api/v1/terminal/lookup', {
        token: tokens[role],
        body: { code: '4111111111111111' },
      });
      expect(res.statusCode, role).toBe(403);
    }
    for (const role of ['provider_admin', 'provider_staff'] as const) {
      const res = await t.call('POST', '/api/v1/beneficiaries', {
        token: tokens[role],
        body: { givenName: 'A', familyName: 'B', birthDate: '2015-01-01', caseReference: 'X-1' },
      });
      expect(res.statusCode, role).toBe(403);
    }
  });
});
