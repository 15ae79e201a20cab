import { randomUUID } from 'node:crypto';
import { formatCardNumber, generateCardNumber } from '@tk/core';
import { cards, idempotencyKeys, queryRows, redemptionDeclines, redemptions } from '@tk/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApproval, makeChildWithCard, makeProvider } from './factories.ts';
import { createTestContext, expectInvariantsHold, expectProblem, onServer, type TestContext } from './support.ts';

/**
 * importRedemptions (issue 14, item 3): a CSV file of bookings, each line under the rules and guards of
 * a single redeem; idempotent as a whole file and per line.
 */
let t: TestContext;
let school: Awaited<ReturnType<typeof makeProvider>>;
let admin: { token: string };

const HEADER = 'cardNumber;serviceDate;benefitType;amount;minutes;purpose';

beforeAll(async () => {
  t = await createTestContext({ now: '2026-11-20T09:00:00Z' });
  school = await makeProvider(t.db, {
    category: 'school',
    benefitTypes: ['participation', 'trip', 'lunch', 'tutoring'],
    mealPriceCents: 350,
  });
  admin = await t.user('provider_admin', school.id);
});
afterAll(async () => {
  await expectInvariantsHold(t.db);
  await t.close();
});

const upload = (csv: string, options: { key?: string; dryRun?: boolean; token?: string; latin1?: boolean } = {}) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/terminal/redemption-imports${options.dryRun ? '?dryRun=true' : ''}`,
    headers: {
      authorization: `Bearer ${options.token ?? admin.token}`,
      'content-type': 'text/csv',
      ...(options.key ? { 'idempotency-key': options.key } : {}),
    },
    payload: Buffer.from(csv, options.latin1 ? 'latin1' : 'utf8'),
  });

const file = (...lines: string[]) => `\uFEFF${HEADER}\r\n${lines.join('\r\n')}\r\n`;
const codes = (body: { declined: { line: number; code: string }[] }) =>
  Object.fromEntries(body.declined.map((d) => [d.line, d.code]));

async function bookedOn(approvalIds: string[]) {
  return t.db.select().from(redemptions).where(inArray(redemptions.approvalId, approvalIds));
}

/** A file with good and bad lines of every kind; returns it with the approvals it books on. */
async function mixedFile() {
  const club = await makeChildWithCard(t.db, t.keys, { budgetCents: 5000 });
  const trip = await makeChildWithCard(t.db, t.keys, { benefitType: 'trip', budgetCents: 10_000 });
  const lunch = await makeChildWithCard(t.db, t.keys, { benefitType: 'lunch' });
  const tutoring = await makeChildWithCard(t.db, t.keys, {
    benefitType: 'tutoring',
    budgetCents: 10_000,
    hours: 5,
    hourlyRateCents: 2000,
  });
  const poor = await makeChildWithCard(t.db, t.keys, { budgetCents: 500 });
  const blocked = await makeChildWithCard(t.db, t.keys);
  await t.db.update(cards).set({ status: 'blocked' }).where(eq(cards.id, blocked.card.id));
  const csv = file(
    `${formatCardNumber(club.card.cardNumber)};19.11.2026;Teilhabe;12,50;;Mitgliedsbeitrag November`, // 2 ok
    `${club.card.cardNumber};2026-11-20;participation;30,00;;`, // 3 ok
    `${club.card.cardNumber};20.11.2026;participation;10,00;;`, // 4 budget: 12,50 + 30 + 10 > 50
    `${trip.card.cardNumber};18.11.2026;Klassenfahrt;85,00;;Klassenfahrt Harz`, // 5 ok
    `${lunch.card.cardNumber};20.11.2026;Mittagessen;;;`, // 6 ok
    `${lunch.card.cardNumber};20.11.2026;lunch;;;`, // 7 second lunch that day
    `${tutoring.card.cardNumber};17.11.2026;Lernförderung;;45;Mathe`, // 8 ok: 15,00
    `${tutoring.card.cardNumber};17.11.2026;tutoring;;;`, // 9 minutes missing
    `${poor.card.cardNumber};20.11.2026;participation;6,00;;`, // 10 budget
    `${blocked.card.cardNumber};20.11.2026;participation;1,00;;`, // 11 blocked
    `${generateCardNumber()};20.11.2026;participation;1,00;;`, // 12 unknown card
    '1234 5678 9012 3456;20.11.2026;participation;1,00;;', // 13 bad check digit
    `${club.card.cardNumber};31.02.2026;participation;1,00;;`, // 14 no such date
    `${club.card.cardNumber};24.11.2026;participation;1,00;;`, // 15 future
    `${club.card.cardNumber};20.11.2026;participation;abc;;`, // 16 amount
    `${club.card.cardNumber};20.11.2026;Schwimmkurs;1,00;;`, // 17 benefit type
    `${trip.card.cardNumber};20.11.2026;participation;1,00;;`, // 18 no such approval
  );
  return {
    csv,
    approvals: [club, trip, lunch, tutoring, poor, blocked].map((c) => c.approval.id),
    club,
    trip,
    lunch,
    tutoring,
  };
}

const EXPECTED_DECLINES = {
  4: 'insufficient_budget',
  7: 'already_redeemed_today',
  9: 'amount_required',
  10: 'insufficient_budget',
  11: 'card_blocked',
  12: 'card_not_found',
  13: 'invalid_code',
  14: 'validation_failed',
  15: 'service_date_invalid',
  16: 'validation_failed',
  17: 'validation_failed',
  18: 'not_redeemable_here',
};

describe('importRedemptions: a file with good and bad lines', () => {
  it('dry run reports every line in German and books nothing; booking books exactly the good lines', async () => {
    const f = await mixedFile();
    const dry = await upload(f.csv, { dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json().bookedCount).toBe(5);
    expect(codes(dry.json())).toEqual(EXPECTED_DECLINES);
    const detail = (line: number) => dry.json().declined.find((d: { line: number }) => d.line === line).detail;
    expect(detail(4)).toBe('Das Restbudget reicht nicht (noch 7,50 €); nichts gebucht.');
    expect(detail(13)).toContain('Keine gültige Kartennummer');
    expect(detail(14)).toContain('TT.MM.JJJJ');
    expect(await bookedOn(f.approvals)).toHaveLength(0);

    const key = randomUUID();
    const res = await upload(f.csv, { key });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().bookedCount).toBe(5);
    expect(codes(res.json())).toEqual(EXPECTED_DECLINES);
    const rows = await bookedOn(f.approvals);
    const [audited] = await queryRows<{ data: { bookedCount: number; declinedCount: number } }>(
      t.db,
      sql`select data from audit_log where action = 'terminal.redemption_import' and entity_id = ${res.json().id}`,
    );
    expect(audited?.data).toMatchObject({ bookedCount: 5, declinedCount: 12 });
    expect(rows.map((r) => [r.approvalId, r.serviceDate, r.amountCents, r.minutes, r.purpose]).sort()).toEqual(
      [
        [f.club.approval.id, '2026-11-19', 1250, null, 'Mitgliedsbeitrag November'],
        [f.club.approval.id, '2026-11-20', 3000, null, null],
        [f.trip.approval.id, '2026-11-18', 8500, null, 'Klassenfahrt Harz'],
        [f.lunch.approval.id, '2026-11-20', 350, null, null],
        [f.tutoring.approval.id, '2026-11-17', 1500, 45, 'Mathe'],
      ].sort(),
    );
    // Each booked line under its own key derived from the file's key.
    expect(rows.map((r) => r.idempotencyKey).sort()).toEqual([2, 3, 5, 6, 8].map((l) => `${key}#${l}`).sort());
    // The line declines are recorded as declined terminal attempts, like single ones.
    const declines = await t.db.select().from(redemptionDeclines).where(eq(redemptionDeclines.providerId, school.id));
    expect(declines.map((d) => d.code)).toContain('card_blocked');

    // The same upload again (a retry after a network error): the same answer, nothing booked twice.
    const again = await upload(f.csv, { key });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(res.json());
    expect(await bookedOn(f.approvals)).toHaveLength(5);

    // The same file under ANOTHER key is a new upload: it books again (a second set of bookings), only
    // lunch once a day still declines, and the budgets go as far as they reach.
    const other = await upload(f.csv, { key: randomUUID() });
    expect(other.statusCode).toBe(201);
    expect(codes(other.json())).toMatchObject({ 6: 'already_redeemed_today', 7: 'already_redeemed_today' });
    expect(codes(other.json())).toMatchObject({ 2: 'insufficient_budget', 3: 'insufficient_budget' }); // 7,50 left
    expect(other.json().bookedCount).toBe(1); // tutoring: 15,00 of the 85,00 left; the trip's 15,00 do not cover 85,00
    expect(await bookedOn(f.approvals)).toHaveLength(6);
  });

  it('a repeat after an upload cut off before its answer was stored books no line twice (per-line keys)', async () => {
    const f = await mixedFile();
    const key = randomUUID();
    const first = await upload(f.csv, { key });
    expect(first.statusCode).toBe(201);
    // As if the process died after booking the lines but before storing the file's answer.
    await t.db
      .delete(idempotencyKeys)
      .where(and(eq(idempotencyKeys.scope, `terminal-import:${school.id}`), eq(idempotencyKeys.key, key)));
    const repeat = await upload(f.csv, { key });
    expect(repeat.statusCode).toBe(201);
    expect(repeat.json().bookedCount).toBe(5);
    expect(await bookedOn(f.approvals)).toHaveLength(5);
  });

  it('another file under a used key is 422 idempotency_key_reused; nothing is booked', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const key = randomUUID();
    expect((await upload(file(`${card.cardNumber};20.11.2026;participation;1,00;;`), { key })).statusCode).toBe(201);
    const other = await upload(file(`${card.cardNumber};20.11.2026;participation;2,00;;`), { key });
    expectProblem(other, 422, 'idempotency_key_reused');
    expect(await bookedOn([approval.id])).toHaveLength(1);
  });
});

describe('importRedemptions: Excel-friendly input', () => {
  it('Windows-1252 as Excel saves it, German headers, no BOM, ISO and German dates, thousands separator', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { benefitType: 'trip', budgetCents: 200_000 });
    const csv = `Kartennummer;Leistungsdatum;Leistungsart;Betrag;Minuten;Zweck\r\n${card.cardNumber};2026-11-19;Ausflug;1.234,50;;Fahrt zum Müritzsee\r\n`;
    const res = await upload(csv, { key: randomUUID(), latin1: true });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ bookedCount: 1, declined: [] });
    const [row] = await bookedOn([approval.id]);
    expect(row).toMatchObject({ amountCents: 123_450, serviceDate: '2026-11-19', purpose: 'Fahrt zum Müritzsee' });
  });
});

describe('importRedemptions: the rules of a single redeem', () => {
  it('budgets of one child across lines: books in file order until the budget is used up, never below zero', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys, { budgetCents: 3000 });
    const lines = Array.from({ length: 8 }, () => `${card.cardNumber};20.11.2026;participation;5,00;;`);
    const res = await upload(file(...lines), { key: randomUUID() });
    expect(res.json().bookedCount).toBe(6);
    expect(res.json().declined.map((d: { line: number }) => d.line)).toEqual([8, 9]);
    const [row] = await queryRows<{ remaining: number }>(
      t.db,
      sql`select remaining_cents as remaining from approvals where id = ${approval.id}`,
    );
    expect(row?.remaining).toBe(0);
  });

  it('an approval bound to another provider, or a type this provider cannot redeem, is not_redeemable_here', async () => {
    const other = await makeProvider(t.db);
    const bound = await makeChildWithCard(t.db, t.keys, { providerId: other.id });
    const supplies = await makeChildWithCard(t.db, t.keys, { benefitType: 'school_supplies' });
    const res = await upload(
      file(
        `${bound.card.cardNumber};20.11.2026;participation;1,00;;`,
        `${supplies.card.cardNumber};20.11.2026;participation;1,00;;`,
      ),
      { dryRun: true },
    );
    expect(codes(res.json())).toEqual({ 2: 'not_redeemable_here', 3: 'not_redeemable_here' });
  });

  it('two overlapping trips: the one bound to this provider is booked; two open ones are declined as ambiguous', async () => {
    const a = await makeChildWithCard(t.db, t.keys, { benefitType: 'trip', budgetCents: 5000 });
    const own = await makeApproval(t.db, {
      beneficiaryId: a.beneficiary.id,
      benefitType: 'trip',
      budgetCents: 9000,
      providerId: school.id,
    });
    const b = await makeChildWithCard(t.db, t.keys, { benefitType: 'trip', budgetCents: 5000 });
    await makeApproval(t.db, { beneficiaryId: b.beneficiary.id, benefitType: 'trip', budgetCents: 5000 });
    const res = await upload(
      file(`${a.card.cardNumber};20.11.2026;trip;80,00;;`, `${b.card.cardNumber};20.11.2026;trip;10,00;;`),
      { key: randomUUID() },
    );
    expect(res.json().bookedCount).toBe(1);
    expect(codes(res.json())).toEqual({ 3: 'not_redeemable_here' });
    expect(res.json().declined[0].detail).toContain('Mehrere Bewilligungen');
    expect((await bookedOn([own.id]))[0]?.amountCents).toBe(8000);
  });

  it('decline details carry no dates of the child (revocation, age limit)', async () => {
    const revoked = await makeChildWithCard(t.db, t.keys, { revokedFrom: '2026-10-07' });
    const old = await makeChildWithCard(t.db, t.keys, {}, { birthDate: '2008-09-13' });
    const res = await upload(
      file(
        `${revoked.card.cardNumber};20.11.2026;participation;1,00;;`,
        `${old.card.cardNumber};20.11.2026;participation;1,00;;`,
      ),
      { dryRun: true },
    );
    expect(codes(res.json())).toEqual({ 2: 'approval_not_active', 3: 'approval_not_active' });
    for (const d of res.json().declined) {
      expect(d.detail).not.toMatch(/\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}|2008|10\.2026/);
    }
  });

  it('declines of one card count against the per-card decline limit, dry runs too: then rate_limited', async () => {
    const { card } = await makeChildWithCard(t.db, t.keys, { budgetCents: 100 });
    const lines = Array.from({ length: 12 }, () => `${card.cardNumber};20.11.2026;participation;5,00;;`);
    const res = await upload(file(...lines), { dryRun: true });
    const got = res.json().declined.map((d: { code: string }) => d.code);
    expect(got.slice(0, 10)).toEqual(Array(10).fill('insufficient_budget'));
    expect(got.slice(10)).toEqual(['rate_limited', 'rate_limited']);
    expect(res.json().declined[11].detail).toContain('Zu viele abgelehnte Buchungen');
  });
});

describe('importRedemptions: refusals of the whole file', () => {
  it('booking without Idempotency-Key, missing columns, too many lines, not CSV, staff role', async () => {
    const { card } = await makeChildWithCard(t.db, t.keys);
    const line = `${card.cardNumber};20.11.2026;participation;1,00;;`;
    expectProblem(await upload(file(line)), 400, 'idempotency_key_required');
    expectProblem(await upload('Karte;Datum\r\n1;2\r\n', { key: randomUUID() }), 400, 'missing_columns');
    const many = await upload(file(...Array(5001).fill(line)), { dryRun: true });
    expectProblem(many, 413, 'payload_too_large');
    expect(many.json().detail).toContain('zu viele Zeilen');
    const huge = await upload(file(...Array(20_000).fill(`${line}${'x'.repeat(40)}`)), { dryRun: true });
    expectProblem(huge, 413, 'payload_too_large');
    const json = await t.call('POST', '/api/v1/terminal/redemption-imports', {
      token: admin.token,
      body: { x: 1 },
      headers: { 'idempotency-key': randomUUID() },
    });
    expectProblem(json, 415, 'unsupported_media_type');
    const staff = await t.user('provider_staff', school.id);
    expectProblem(await upload(file(line), { token: staff.token, dryRun: true }), 403, 'forbidden');
  });

  it('more unknown card numbers than the terminal limit: the file is refused (429) before anything is booked', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const prober = await t.user('provider_admin', school.id);
    const probe = Array.from({ length: 11 }, () => `${generateCardNumber()};20.11.2026;participation;1,00;;`);
    const res = await upload(file(`${card.cardNumber};20.11.2026;participation;1,00;;`, ...probe), {
      key: randomUUID(),
      token: prober.token,
    });
    expectProblem(res, 429, 'rate_limited');
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json().detail).toContain('Zu viele unbekannte Kartennummern');
    expect(await bookedOn([approval.id])).toHaveLength(0);
  });

  it('a file checked and then booked under one key counts its unknown numbers once; another file counts again', async () => {
    const { card, approval } = await makeChildWithCard(t.db, t.keys);
    const user = await t.user('provider_admin', school.id);
    const unknown = () => Array.from({ length: 6 }, () => `${generateCardNumber()};20.11.2026;participation;1,00;;`);
    const csv = file(`${card.cardNumber};20.11.2026;participation;1,00;;`, ...unknown());
    const key = randomUUID();
    expect((await upload(csv, { key, dryRun: true, token: user.token })).statusCode).toBe(200);
    const booked = await upload(csv, { key, token: user.token });
    expect(booked.statusCode, booked.body).toBe(201);
    expect(booked.json().declined.map((d: { code: string }) => d.code)).toEqual(Array(6).fill('card_not_found'));
    expect(await bookedOn([approval.id])).toHaveLength(1);
    const next = await upload(file(...unknown()), { key: randomUUID(), dryRun: true, token: user.token });
    expectProblem(next, 429, 'rate_limited');
  });
});

/**
 * A file racing single bookings on the same budget (PostgreSQL: real concurrency; PGlite serialises).
 */
describe.runIf(onServer)('importRedemptions under concurrency (PostgreSQL)', () => {
  it('a file of 60 × 5,00 € racing 60 single bookings of 5,00 € on a 200,00 € budget books exactly 200,00 €', async () => {
    const race = await createTestContext({ config: { rateLimitPerMinute: 1_000_000, declinesPerCardPerDay: 1e6 } });
    try {
      const provider = await makeProvider(race.db, { benefitTypes: ['participation'] });
      const boss = await race.user('provider_admin', provider.id);
      const staff = await race.user('provider_staff', provider.id);
      const { card, approval } = await makeChildWithCard(race.db, race.keys, { budgetCents: 20_000 });
      const csv = file(...Array.from({ length: 60 }, () => `${card.cardNumber};20.11.2026;participation;5,00;;`));
      const bulk = race.app.inject({
        method: 'POST',
        url: '/api/v1/terminal/redemption-imports',
        headers: { authorization: `Bearer ${boss.token}`, 'content-type': 'text/csv', 'idempotency-key': randomUUID() },
        payload: csv,
      });
      // The single bookings start once the file is booking (its lines of one child run one after another).
      await expect
        .poll(
          async () => (await race.db.select().from(redemptions).where(eq(redemptions.approvalId, approval.id))).length,
          { interval: 5, timeout: 20_000 },
        )
        .toBeGreaterThan(0);
      const single = await Promise.all(
        Array.from({ length: 60 }, () =>
          race.call('POST', '/api/v1/terminal/redemptions', {
            token: staff.token,
            body: { code: card.qrToken, approvalId: approval.id, amountCents: 500 },
            headers: { 'idempotency-key': randomUUID() },
          }),
        ),
      );
      const file201 = await bulk;
      expect(file201.statusCode, file201.body).toBe(201);
      const singleBooked = single.filter((r) => r.statusCode === 201).length;
      for (const r of single.filter((r) => r.statusCode !== 201)) expectProblem(r, 409, 'insufficient_budget');
      expect(file201.json().bookedCount).toBeGreaterThan(0);
      expect(file201.json().bookedCount + singleBooked).toBe(40);
      expect(file201.json().declined.every((d: { code: string }) => d.code === 'insufficient_budget')).toBe(true);
      const [row] = await queryRows<{ remaining: number; booked: number; n: number }>(
        race.db,
        sql`select a.remaining_cents as remaining,
              (select coalesce(sum(amount_cents), 0)::int from redemptions r where r.approval_id = a.id) as booked,
              (select count(*)::int from redemptions r where r.approval_id = a.id) as n
            from approvals a where a.id = ${approval.id}`,
      );
      expect(row).toEqual({ remaining: 0, booked: 20_000, n: 40 });
      await expectInvariantsHold(race.db);
    } finally {
      await race.close();
    }
  });

  it('lunch lines of a canteen file racing lunch bookings at another canteen: one meal per child and day', async () => {
    const race = await createTestContext({ config: { rateLimitPerMinute: 1_000_000, declinesPerCardPerDay: 1e6 } });
    try {
      const north = await makeProvider(race.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 400 });
      const south = await makeProvider(race.db, { category: 'caterer', benefitTypes: ['lunch'], mealPriceCents: 380 });
      const boss = await race.user('provider_admin', north.id);
      const cook = await race.user('provider_staff', south.id);
      const kids = await Promise.all(
        Array.from({ length: 20 }, () => makeChildWithCard(race.db, race.keys, { benefitType: 'lunch' })),
      );
      const csv = file(...kids.map((k) => `${k.card.cardNumber};20.11.2026;Mittagessen;;;`));
      const [bulk, ...singles] = await Promise.all([
        race.app.inject({
          method: 'POST',
          url: '/api/v1/terminal/redemption-imports',
          headers: {
            authorization: `Bearer ${boss.token}`,
            'content-type': 'text/csv',
            'idempotency-key': randomUUID(),
          },
          payload: csv,
        }),
        ...kids.flatMap((k) =>
          [0, 1].map(() =>
            race.call('POST', '/api/v1/terminal/redemptions', {
              token: cook.token,
              body: { code: k.card.qrToken, approvalId: k.approval.id },
              headers: { 'idempotency-key': randomUUID() },
            }),
          ),
        ),
      ]);
      expect(bulk!.statusCode, bulk!.body).toBe(201);
      for (const d of bulk!.json().declined) expect(d.code).toBe('already_redeemed_today');
      const singleBooked = singles.filter((r) => r.statusCode === 201).length;
      expect(bulk!.json().bookedCount + singleBooked).toBe(20);
      const [row] = await queryRows<{ meals: number; children: number }>(
        race.db,
        sql`select count(*)::int as meals, count(distinct beneficiary_id)::int as children from redemptions
            where benefit_type = 'lunch' and service_date = '2026-11-20'`,
      );
      expect(row).toEqual({ meals: 20, children: 20 });
      await expectInvariantsHold(race.db);
    } finally {
      await race.close();
    }
  });
});
