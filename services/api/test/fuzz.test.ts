import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/seed/demo.ts';
import { makeChildWithCard, makeProvider } from './factories.ts';
import { hostileValue, type JsonSchema, mutate, validArbitrary } from './fuzz/schema-arbitrary.ts';
import { createTestContext, expectInvariantsHold, type TestContext } from './support.ts';

/**
 * Bad input (proof under fire): requests generated from the served OpenAPI document for every
 * operation — valid, boundary, wrong types, huge strings, unicode, missing fields, malformed JSON,
 * wrong content type. Never a 5xx; every refusal is problem+json; a refused request writes nothing
 * but its own audit trail. FUZZ_REQUESTS (default 10,000) and FUZZ_SEED make runs reproducible.
 */
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);

interface Operation {
  method: string;
  path: string;
  operationId: string;
  roles: string[] | undefined;
  body: JsonSchema | undefined;
  query: { name: string; schema: JsonSchema; required: boolean }[];
  params: string[];
}

let t: TestContext;
let doc: {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, JsonSchema> };
};
const tokens: Record<string, string> = {};
let ids: string[] = [];

// Rows a refused request must not add (its audit trail — audit_log, redemption_declines, the stored
// answer of a declined idempotent request — is allowed and wanted).
const WATCHED = [
  'users',
  'providers',
  'provider_meal_prices',
  'beneficiaries',
  'approvals',
  'approval_revisions',
  'cards',
  'redemptions',
  'redemption_reversals',
  'settlement_runs',
  'settlement_batches',
  'settlement_lines',
  'payment_files',
  'benefit_rates',
];
const SNAPSHOT_SQL = `select ${WATCHED.map((tbl) => `(select count(*) from ${tbl})::int as "${tbl}"`).join(', ')},
    (select coalesce(sum(remaining_cents), 0)::bigint from approvals) as remaining,
    (select count(*) from redemptions where status = 'reversed')::int as reversed,
    (select string_agg(status, ',' order by id) from cards) as cards,
    (select string_agg(status, ',' order by id) from providers) as providers_state,
    (select string_agg(active::text, ',' order by id) from users) as users_state`;

/**
 * Every row written to a watched table (and every TRUNCATE) advances a sequence, by triggers in this
 * file's own database. While the sequence stands still no watched row changed, so the snapshot is
 * the one taken last; otherwise it is taken afresh. The same comparison as taking it after every
 * request, at a fraction of the cost (one tiny query instead of twenty aggregates).
 */
async function watchWrites(): Promise<void> {
  await t.database.query('create sequence fuzz_watched_writes');
  await t.database.query(`create function fuzz_count_write() returns trigger language plpgsql as $$
    begin perform nextval('fuzz_watched_writes'); return null; end $$`);
  for (const tbl of WATCHED) {
    await t.database.query(`create trigger fuzz_count_rows after insert or update or delete on ${tbl}
      for each row execute function fuzz_count_write()`);
    await t.database.query(`create trigger fuzz_count_truncate after truncate on ${tbl}
      for each statement execute function fuzz_count_write()`);
  }
}
let snapshotAt: string | undefined;
let lastSnapshot = '';
async function snapshot(): Promise<string> {
  const { rows: counter } = await t.database.query<{ at: string }>(
    'select last_value::text || is_called::text as at from fuzz_watched_writes',
  );
  const at = counter[0]!.at;
  if (at === snapshotAt) return lastSnapshot;
  const { rows } = await t.database.query(SNAPSHOT_SQL);
  [snapshotAt, lastSnapshot] = [at, JSON.stringify(rows[0])];
  return lastSnapshot;
}

/** `fc.sample(hostileValue, { numRuns: 1, seed })` is a pure function of the seed: computed once per seed. */
const hostileBySeed = new Map<number, unknown>();
function hostileSample(seed: number): unknown {
  if (!hostileBySeed.has(seed)) hostileBySeed.set(seed, fc.sample(hostileValue, { numRuns: 1, seed })[0]);
  return hostileBySeed.get(seed);
}

function operations(): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const parameters =
        (op.parameters as { in: string; name: string; schema: JsonSchema; required?: boolean }[] | undefined) ?? [];
      const content = (op.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined)?.content;
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: String(op.operationId ?? `${method} ${path}`),
        roles: op['x-roles'] as string[] | undefined,
        body: content?.['application/json']?.schema,
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema, required: Boolean(p.required) })),
        params,
      });
    }
  }
  return ops;
}

beforeAll(async () => {
  t = await createTestContext({ config: { rateLimitPerMinute: 1_000_000 } });
  await seedDemo(t.db, t.keys);
  const provider = await makeProvider(t.db);
  const child = await makeChildWithCard(t.db, t.keys, { providerId: null });
  ids = [provider.id, child.beneficiary.id, child.approval.id, child.card.id, 'prv_demo_club', 'prv_demo_canteen'];
  for (const role of ['admin', 'caseworker', 'accounting'] as const) tokens[role] = (await t.user(role)).token;
  tokens.provider_admin = (await t.user('provider_admin', provider.id)).token;
  tokens.provider_staff = (await t.user('provider_staff', provider.id)).token;
  doc = (await t.call('GET', '/openapi.json')).json();
  await watchWrites();
});
afterAll(async () => {
  await expectInvariantsHold(t.db);
  await t.close();
});

const resolver = (ref: string): JsonSchema => {
  const name = ref.split('/').pop()!;
  return doc.components?.schemas?.[name] ?? {};
};

describe('bad input from the OpenAPI document', () => {
  it(`${TOTAL} generated requests: never a 5xx, refusals are problem+json and write nothing`, async () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(5);
    const perOp = Math.ceil(TOTAL / ops.length);
    const rng = fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), { numRuns: TOTAL * 4 + 100, seed: SEED });
    let r = 0;
    const next = () => rng[r++ % rng.length]!;
    const kinds = [
      'valid',
      'mutated',
      'hostile-body',
      'malformed-json',
      'wrong-content-type',
      'no-auth',
      'odd-params',
    ] as const;
    const stats: Record<string, number> = { requests: 0, '2xx': 0, '4xx': 0, '5xx': 0 };
    const failures: string[] = [];
    let state = await snapshot();

    for (const op of ops) {
      const bodyArb = op.body ? validArbitrary(op.body, resolver) : undefined;
      const bodies = bodyArb ? fc.sample(bodyArb, { numRuns: perOp, seed: SEED + op.path.length }) : [];
      const queryArbs = Object.fromEntries(op.query.map((q) => [q.name, validArbitrary(q.schema, resolver)]));
      for (let i = 0; i < perOp; i++) {
        const kind = kinds[i % kinds.length]!;
        const role = op.roles?.[Math.floor(next() * op.roles.length)];
        const headers: Record<string, string> = {};
        if (role && kind !== 'no-auth') headers.authorization = `Bearer ${tokens[role]}`;
        if (op.path.includes('/terminal/redemptions') && op.method === 'POST')
          headers['idempotency-key'] = `fuzz-${i}-${Math.floor(next() * 1e9)}`;
        let url = op.path.replace(/\{(\w+)\}/g, () =>
          kind === 'odd-params'
            ? encodeURIComponent(String(hostileSample(i))).slice(0, 200) || 'x'
            : ids[Math.floor(next() * ids.length)]!,
        );
        const query = op.query
          .filter((q) => q.required || next() < 0.5)
          .map((q) => {
            const v =
              kind === 'odd-params' ? hostileSample(i) : fc.sample(queryArbs[q.name]!, { numRuns: 1, seed: i })[0];
            return `${encodeURIComponent(q.name)}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`;
          });
        if (query.length) url += `?${query.join('&')}`;
        let payload: string | undefined;
        if (op.method !== 'GET' && op.method !== 'DELETE') {
          const valid = bodies[i] ?? {};
          headers['content-type'] = 'application/json';
          if (kind === 'mutated') payload = JSON.stringify(mutate(valid, next));
          else if (kind === 'hostile-body') payload = JSON.stringify(hostileSample(SEED + i));
          else if (kind === 'malformed-json') payload = JSON.stringify(valid).slice(0, -1) || '{';
          else if (kind === 'wrong-content-type') {
            headers['content-type'] = next() < 0.5 ? 'application/xml' : 'application/x-www-form-urlencoded';
            payload = '<a>1</a>';
          } else payload = JSON.stringify(valid);
        }
        const before = state;
        const res: LightMyRequestResponse = await t.app.inject({
          method: op.method as 'GET',
          url,
          headers,
          ...(payload !== undefined ? { payload } : {}),
        });
        stats.requests!++;
        const klass = `${Math.floor(res.statusCode / 100)}xx`;
        stats[klass] = (stats[klass] ?? 0) + 1;
        const where = `${op.operationId} [${kind}] ${op.method} ${url.slice(0, 120)} ${String(payload).slice(0, 160)}`;
        if (res.statusCode >= 500) failures.push(`5xx ${res.statusCode} ${where}: ${res.body.slice(0, 200)}`);
        else if (res.statusCode >= 400) {
          if (!String(res.headers['content-type']).startsWith('application/problem+json'))
            failures.push(`not problem+json ${res.statusCode} ${where}`);
          else if (typeof res.json().code !== 'string') failures.push(`problem without code ${where}`);
        }
        state = await snapshot();
        if (res.statusCode >= 400 && state !== before)
          failures.push(`refused request wrote: ${where}\n  before ${before}\n  after  ${state}`);
        if (failures.length >= 20) break;
      }
      if (failures.length >= 20) break;
    }
    console.log(`fuzz: ${JSON.stringify(stats)} over ${ops.length} operations, seed ${SEED}`);
    expect(failures).toEqual([]);
    expect(stats.requests).toBeGreaterThanOrEqual(TOTAL);
  }, 900_000);
});
