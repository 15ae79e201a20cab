import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixedClock } from '@tk/core';
import { redemptions, settlementBatches } from '@tk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.run.ts';
import { makeApproval, makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, expectProblem, type TestContext } from './support.ts';

let t: TestContext;
let club: Awaited<ReturnType<typeof makeProvider>>;
let staff: { id: string; token: string };

beforeAll(async () => {
  t = await createTestContext();
  club = await makeProvider(t.db, { benefitTypes: ['participation'] });
  staff = await t.user('provider_staff', club.id);
});
afterAll(() => t.close());

const redeem = (body: Record<string, unknown>, key = randomUUID()) =>
  t.call('POST', '/api/v1/terminal/redemptions', { token: staff.token, body, headers: { 'idempotency-key': key } });

describe('purpose of a booking', () => {
  it('is stored with the booking, returned by listRedemptions and printed on the Gutschrift', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const res = await redeem({
      code: card.qrToken,
      approvalId: approval.id,
      amountCents: 1500,
      purpose: '  Mitgliedsbeitrag November  ',
    });
    expect(res.statusCode, res.body).toBe(201);
    const [row] = await t.db.select().from(redemptions).where(eq(redemptions.id, res.json().id));
    expect(row?.purpose).toBe('Mitgliedsbeitrag November');
    const plain = await redeem({ code: card.qrToken, approvalId: approval.id, amountCents: 100 });
    expect(plain.statusCode).toBe(201);

    const list = await t.call('GET', '/api/v1/terminal/redemptions', { token: staff.token });
    const items = list.json().items as { id: string; purpose?: string }[];
    expect(items.find((i) => i.id === res.json().id)?.purpose).toBe('Mitgliedsbeitrag November');
    expect(items.find((i) => i.id === plain.json().id)).not.toHaveProperty('purpose');

    await runSettlement(t.db, { cutoffDate: '2026-11-21', triggeredBy: 'test' }, fixedClock('2026-11-21T01:00:00Z'));
    const [batch] = await t.db.select().from(settlementBatches).where(eq(settlementBatches.providerId, club.id));
    const pdf = await t.call('GET', `/api/v1/settlements/batches/${batch!.id}/statement.pdf`, { token: staff.token });
    expect(pdf.statusCode).toBe(200);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tk-purpose-')), 'statement.pdf');
    writeFileSync(file, pdf.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Mitgliedsbeitrag November');
  });

  it('more than 140 characters or control characters → 400 validation_failed, nothing booked', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const base = { code: card.qrToken, approvalId: approval.id, amountCents: 100 };
    expectProblem(await redeem({ ...base, purpose: 'x'.repeat(141) }), 400, 'validation_failed');
    expectProblem(await redeem({ ...base, purpose: 'Beitrag\u202eDezember' }), 400, 'validation_failed');
    expectProblem(await redeem({ ...base, purpose: 'Beitrag\u0007' }), 400, 'validation_failed');
    expect(await t.db.select().from(redemptions).where(eq(redemptions.approvalId, approval.id))).toHaveLength(0);
    expect((await redeem({ ...base, purpose: 'x'.repeat(140) })).statusCode).toBe(201);
  });
});

describe('tutoring in the lookup', () => {
  it('shows the minutes the remaining budget still pays beside the balance', async () => {
    const tutor = await makeProvider(t.db, { category: 'tutor', benefitTypes: ['tutoring'] });
    const teacher = await t.user('provider_staff', tutor.id);
    const { beneficiary, card } = await makeChildWithCard(t.db, t.keys, {
      benefitType: 'tutoring',
      budgetCents: 10_000,
      hours: 5,
      hourlyRateCents: 2000,
    });
    await makeApproval(t.db, { beneficiaryId: beneficiary.id, benefitType: 'participation', budgetCents: 1500 });
    const lookup = () =>
      t.call('POST', '/api/v1/terminal/lookup', { token: teacher.token, body: { code: card.qrToken } });
    const [entitlement] = (await lookup()).json().entitlements;
    expect(entitlement).toMatchObject({ benefitType: 'tutoring', availableCents: 10_000, minutesAvailable: 300 });
    const booked = await t.call('POST', '/api/v1/terminal/redemptions', {
      token: teacher.token,
      body: { code: card.qrToken, approvalId: entitlement.approvalId, minutes: 45 },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    expect((await lookup()).json().entitlements[0]).toMatchObject({ availableCents: 8500, minutesAvailable: 255 });
  });
});

describe('exportRedemptions (booking list CSV)', () => {
  it('lists the range with purpose, decimal comma and neutralised formulas; only the own bookings', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const other = await makeProvider(t.db);
    const otherStaff = await t.user('provider_staff', other.id);
    t.clock.set('2026-11-18T09:00:00Z');
    const res = await redeem({
      code: card.qrToken,
      approvalId: approval.id,
      amountCents: 1234,
      purpose: '=HYPERLINK("x")',
    });
    expect(res.statusCode, res.body).toBe(201);
    t.clock.set('2026-11-20T09:00:00Z');
    const csv = await t.call('GET', '/api/v1/terminal/redemptions.csv?from=2026-11-01&to=2026-11-20', {
      token: staff.token,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.body.slice(1).split('\r\n');
    expect(lines[0]).toBe('Leistungsdatum;Gebucht am;Kind;Leistung;Minuten;Zweck;Betrag;Status;Abgerechnet');
    const row = lines.find((l) => l.startsWith('18.11.2026'));
    expect(row).toContain(`;;"'=HYPERLINK(""x"")";12,34;gebucht;nein`);
    // On request the codes instead of the German names (issue 11, item 10).
    const coded = await t.call('GET', '/api/v1/terminal/redemptions.csv?from=2026-11-01&to=2026-11-20&codes=true', {
      token: staff.token,
    });
    const codedRow = coded.body.split('\r\n').find((l) => l.startsWith('18.11.2026'));
    expect(codedRow).toContain(`;;"'=HYPERLINK(""x"")";12,34;booked;false`);
    expect(codedRow).toContain(';participation;');
    const theirs = await t.call('GET', '/api/v1/terminal/redemptions.csv?from=2026-11-01&to=2026-11-20', {
      token: otherStaff.token,
    });
    expect(theirs.body).not.toContain('HYPERLINK');
    expectProblem(
      await t.call('GET', '/api/v1/terminal/redemptions.csv?from=2026-11-20&to=2026-11-01', { token: staff.token }),
      400,
      'invalid_range',
    );
  });
});
