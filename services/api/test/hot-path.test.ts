import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { requestHash } from '@tk/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHashSync } from '../src/lib/request-hash.ts';
import { makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, type TestContext } from './support.ts';

/**
 * What the booking path was made cheaper by (issue 15, `pnpm bench redeem`) and what must not change with it:
 * the synchronous request hash equals the stored Web Crypto one (answers stored before still replay), and a
 * request writes one access line at `info`, not two.
 */
let t: TestContext;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const logStream = new PassThrough();
  let rest = '';
  logStream.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  t = await createTestContext({ config: { logLevel: 'info' }, logStream });
});
afterAll(() => t.close());

describe('request hash', () => {
  it('the node:crypto hash equals the Web Crypto hash of @tk/core for the same request', async () => {
    const bodies: Record<string, unknown>[] = [
      { code: 'eyJ.abc.def', approvalId: 'apv_1', amountCents: 1250 },
      { approvalId: 'apv_1', amountCents: 1250, code: 'eyJ.abc.def' },
      { code: '4000 1234 5678 9010', approvalId: 'apv_2', minutes: 45, serviceDate: '2026-11-19', purpose: 'Übung ✓' },
      { code: 'x', approvalId: 'apv_3', amountCents: undefined, purpose: undefined },
      {},
    ];
    for (const body of bodies) {
      expect(requestHashSync('redeem', body)).toBe(await requestHash('redeem', body));
    }
    // Key order and undefined members do not matter; the operation and the values do.
    expect(requestHashSync('redeem', bodies[0]!)).toBe(requestHashSync('redeem', bodies[1]!));
    expect(requestHashSync('redeem', { code: 'x', approvalId: 'apv_3' })).toBe(requestHashSync('redeem', bodies[3]!));
    expect(requestHashSync('reverse', bodies[0]!)).not.toBe(requestHashSync('redeem', bodies[0]!));
  });

  it('a retried booking with the same key and body replays; a changed body is refused', async () => {
    const club = await makeProvider(t.db, { benefitTypes: ['participation'] });
    const staff = await t.user('provider_staff', club.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const key = randomUUID();
    const body = { code: card.qrToken, approvalId: approval.id, amountCents: 700 };
    const call = (b: Record<string, unknown>) =>
      t.call('POST', '/api/v1/terminal/redemptions', {
        token: staff.token,
        body: b,
        headers: { 'idempotency-key': key },
      });
    const first = await call(body);
    expect(first.statusCode).toBe(201);
    const again = await call({ amountCents: 700, approvalId: approval.id, code: card.qrToken });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const changed = await call({ ...body, amountCents: 701 });
    expect(changed.statusCode).toBe(422);
    expect(changed.json().code).toBe('idempotency_key_reused');
  });
});

describe('request logging at info', () => {
  it('one access line per request with id, route, status and time; no "incoming request" line', async () => {
    const club = await makeProvider(t.db, { benefitTypes: ['participation'] });
    const staff = await t.user('provider_staff', club.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    lines.length = 0;
    const res = await t.call('POST', '/api/v1/terminal/redemptions', {
      token: staff.token,
      body: { code: card.qrToken, approvalId: approval.id, amountCents: 100 },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.statusCode).toBe(201);
    const requestId = res.headers['x-request-id'];
    const mine = lines.filter((l) => l.reqId === requestId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'POST', url: '/api/v1/terminal/redemptions', route: '/api/v1/terminal/redemptions' },
      res: { statusCode: 201 },
      responseTime: expect.any(Number),
    });
    expect(lines.some((l) => l.msg === 'incoming request')).toBe(false);
    // Nothing from the request body or headers (token, QR code) in the line.
    const text = JSON.stringify(mine[0]);
    expect(text.includes(card.qrToken)).toBe(false);
    expect(text.includes(staff.token)).toBe(false);
  });
});

describe('security headers (helmet middleware built once)', () => {
  const expected = {
    'content-security-policy':
      "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data: blob:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';upgrade-insecure-requests;media-src 'self' blob:",
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
    'permissions-policy': 'camera=(self), microphone=(), geolocation=()',
  };

  it('every answer carries them: a booking, a refusal before the handler, an unknown path, a health check', async () => {
    const club = await makeProvider(t.db, { benefitTypes: ['participation'] });
    const staff = await t.user('provider_staff', club.id);
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const answers = [
      await t.call('POST', '/api/v1/terminal/redemptions', {
        token: staff.token,
        body: { code: card.qrToken, approvalId: approval.id, amountCents: 100 },
        headers: { 'idempotency-key': randomUUID() },
      }),
      await t.call('POST', '/api/v1/terminal/redemptions', { body: { code: card.qrToken } }),
      await t.call('GET', '/api/v1/no-such-path'),
      await t.call('GET', '/healthz'),
    ];
    expect(answers.map((r) => r.statusCode)).toEqual([201, 401, 404, 200]);
    for (const res of answers) expect(res.headers).toMatchObject(expected);
  });
});
