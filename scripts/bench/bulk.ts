import os from 'node:os';
import { parseArgs } from 'node:util';
import { generateKeyRings } from '@tk/api/lib/keys.ts';
import { createDeclineThrottle } from '@tk/api/modules/terminal/terminal.declines.ts';
import { type ImportGuards, importRedemptions } from '@tk/api/modules/terminal/terminal.imports.ts';
import { redeem } from '@tk/api/modules/terminal/terminal.service.ts';
import { createCodeFailureThrottle } from '@tk/api/modules/terminal/terminal.throttle.ts';
import { fixedClock, formatGermanDate, generateCardNumber, newId } from '@tk/core';
import { scratchDatabase } from '../proofs/harness.ts';
import { machineLine, writeBenchmarkSection } from './report.ts';

/**
 * `pnpm bench bulk [--lines 2000]`: importRedemptions (issue 14) of a file of N lines into a scratch
 * database on the PostgreSQL server (BENCH_DATABASE_URL, default the local server), dropped afterwards.
 * Half the children have a participation budget, half lunch; each child has two lines (participation:
 * two amounts; lunch: two days), 0.5 % of the lines name unknown cards. Times the dry run, the booking and
 * the replay of the same key, through the service with the terminal's real throttles.
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { lines: { type: 'string', default: '2000' } } });
  const lineCount = Number(values.lines);
  const children = Math.ceil(lineCount / 2);
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const scratch = await scratchDatabase(serverUrl, 'tk_bulk_bench', { poolSize: 20 });
  const { database } = scratch;
  try {
    await generateKeyRings();
    const providerId = 'prv_bench_school';
    await database.query(`insert into providers (id, name, category, status, benefit_types, account_holder, iban, town)
      values ('${providerId}', 'Schule Bench', 'school', 'approved', '{participation,lunch}', 'Schule Bench', 'DE89370400440532013000', 'Hamm')`);
    await database.query(
      `insert into provider_meal_prices (id, provider_id, valid_from, price_cents) values ($1, $2, '2026-01-01', 350)`,
      [newId('provider'), providerId],
    );
    // Two equal sets of children: the file books the first, the reference (single redeems) the second.
    const all = Array.from({ length: children * 2 }, (_, i) => ({
      beneficiary: newId('beneficiary'),
      approval: newId('approval'),
      card: newId('card'),
      number: generateCardNumber(),
      type: i % 2 === 0 ? 'participation' : 'lunch',
      n: i,
    }));
    await database.query(
      `insert into beneficiaries (id, given_name, family_name, birth_date, case_reference)
       select r.beneficiary, 'Kind', 'Muster' || r.n, '2015-05-05', 'AZ-BULK-' || r.n
       from json_to_recordset($1::json) as r(beneficiary text, n int)`,
      [JSON.stringify(all)],
    );
    await database.query(
      `insert into approvals (id, beneficiary_id, benefit_type, legal_basis, cost_bearer, valid_from, valid_to, budget_cents, remaining_cents)
       select r.approval, r.beneficiary, r.type, 'SGB_II', 'JOBCENTER', '2026-08-01', '2027-07-31',
         case when r.type = 'lunch' then null else 5000 end, case when r.type = 'lunch' then null else 5000 end
       from json_to_recordset($1::json) as r(approval text, beneficiary text, type text)`,
      [JSON.stringify(all)],
    );
    await database.query(
      `insert into cards (id, beneficiary_id, card_number, qr_token, key_id)
       select r.card, r.beneficiary, r.number, 'bench-' || r.card, 'bench'
       from json_to_recordset($1::json) as r(card text, beneficiary text, number text)`,
      [JSON.stringify(all)],
    );
    const kids = all.slice(0, children);
    const others = all.slice(children);
    const lines = ['\uFEFFcardNumber;serviceDate;benefitType;amount;minutes;purpose'];
    for (let i = 0; lines.length <= lineCount; i++) {
      const kid = kids[Math.floor(i / 2) % kids.length]!;
      const number = i % 200 === 199 ? generateCardNumber() : kid.number; // 0.5 % unknown cards
      const day = formatGermanDate(i % 2 === 0 ? '2026-11-18' : '2026-11-19');
      lines.push(
        kid.type === 'lunch'
          ? `${number};${day};Mittagessen;;;`
          : `${number};${day};Teilhabe;${i % 2 === 0 ? '12,50' : '7,25'};;Beitrag November`,
      );
    }
    const csv = Buffer.from(lines.join('\r\n'), 'utf8');
    const clock = fixedClock('2026-11-20T09:00:00Z');
    const actor = { userId: 'usr_bench', role: 'provider_admin', providerId, requestId: null };
    const throttle = createCodeFailureThrottle(database, { perUser: 10, perProvider: 30, windowSeconds: 600 });
    const counted = new Set<string>();
    const declines = createDeclineThrottle(database, { limit: 10, windowSeconds: 86_400 });
    const guards: ImportGuards = {
      // As the route does: the unknown numbers of one file under one key are counted once (dry run, then booking).
      unknownCards: async (count, fileId) => {
        if (counted.has(fileId)) return null;
        counted.add(fileId);
        for (let i = 0; i < count; i++) {
          const throttled = await throttle.recordFailure(actor, 'import', 'card_not_found');
          if (throttled) return throttled;
        }
        return null;
      },
      decline: (problem, cardNumber) => declines.onDecline(problem, cardNumber, actor),
    };
    const deps = { clock };
    const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
      const start = performance.now();
      const result = await fn();
      return [result, (performance.now() - start) / 1000];
    };
    const key = newId('redemptionImport');
    const loadBefore = os.loadavg();
    const [dry, drySeconds] = await timed(() =>
      importRedemptions(database.db, deps, csv, { dryRun: true, idempotencyKey: key }, actor, guards),
    );
    console.log(
      `dry run: ${drySeconds.toFixed(2)} s (${dry.body.bookedCount} would book, ${dry.body.declined.length} declined)`,
    );
    const [booked, bookSeconds] = await timed(() =>
      importRedemptions(database.db, deps, csv, { dryRun: false, idempotencyKey: key }, actor, guards),
    );
    console.log(
      `booking: ${bookSeconds.toFixed(2)} s (${booked.body.bookedCount} booked, ${booked.body.declined.length} declined)`,
    );
    const [replay, replaySeconds] = await timed(() =>
      importRedemptions(database.db, deps, csv, { dryRun: false, idempotencyKey: key }, actor, guards),
    );
    // Reference in the same run: the same kind of lines booked one by one through the terminal's `redeem`,
    // as 2,000 single terminal bookings would (on the second set of children).
    const [singles, singleSeconds] = await timed(async () => {
      let ok = 0;
      for (let i = 0; i < lineCount; i++) {
        const kid = others[Math.floor(i / 2) % others.length]!;
        const day = i % 2 === 0 ? '2026-11-18' : '2026-11-19';
        try {
          await redeem(
            database.db,
            deps,
            {
              code: kid.number,
              approvalId: kid.approval,
              serviceDate: day,
              ...(kid.type === 'lunch' ? {} : { amountCents: i % 2 === 0 ? 1250 : 725, purpose: 'Beitrag November' }),
            },
            newId('redemption'),
            actor,
          );
          ok++;
        } catch {
          // a decline, as in the file
        }
      }
      return ok;
    });
    console.log(`reference, ${lineCount} single redeems: ${singleSeconds.toFixed(2)} s (${singles} booked)`);
    const loadAfter = os.loadavg();
    console.log(`replay: ${replaySeconds.toFixed(2)} s (replayed: ${replay.replayed})`);
    const { rows } = await database.query<{ n: number; cents: number; negative: number }>(
      `select (select count(*)::int from redemptions) n, (select coalesce(sum(amount_cents), 0)::int from redemptions) cents,
              (select count(*)::int from approvals where remaining_cents < 0) negative`,
    );
    const counts = rows[0]!;
    if (counts.n !== booked.body.bookedCount + singles || counts.negative !== 0 || !replay.replayed) {
      throw new Error(`unexpected result: ${JSON.stringify(counts)}, replayed ${replay.replayed}`);
    }
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
    writeBenchmarkSection(
      'bulk',
      `## Bulk bookings (\`pnpm bench bulk\`, importRedemptions)

${machineLine()}; PostgreSQL (local server, default settings: fsync on), scratch database. The machine is
shared with other work: load average (1 / 5 / 15 min) ${load(loadBefore)} before, ${load(loadAfter)} after the run.

Command: \`pnpm bench bulk --lines ${lineCount}\`

| step | time | result |
|---|---|---|
| dry run (parse, one batched context read, rules per line) | ${drySeconds.toFixed(2)} s | ${dry.body.bookedCount} would book, ${dry.body.declined.length} declined |
| booking (each line: planBooking + bookings.book, one guarded statement) | **${bookSeconds.toFixed(2)} s** (${Math.round(lineCount / bookSeconds)} lines/s) | ${booked.body.bookedCount} booked, ${booked.body.declined.length} declined |
| replay of the same Idempotency-Key | ${replaySeconds.toFixed(2)} s | the stored answer, nothing booked again |
| reference: ${lineCount} single \`redeem\` calls one after another (same run, second set of children) | ${singleSeconds.toFixed(2)} s | ${singles} booked |

File: ${lineCount} lines, ${(csv.length / 1024).toFixed(0)} KiB, ${children} children (half participation at 50,00 €, half
lunch at 3,50 €), two lines each, 0.5 % unknown card numbers (10 of 2,000: within the terminal's limit of unknown numbers per user). Target: ≤ 10 s for 2,000 lines. After the run:
${counts.n} redemptions (file and reference), ${(counts.cents / 100).toFixed(2)} € booked, no negative balance.

What it costs: the planning is batched (six statements read settings and provider, cards, approvals, meal
prices, lunch slots and stored line keys for the whole file); each line is then one round trip of the booking
statement (\`bookings.book\`, the same guarded CTE as a single redeem). A child's lines run in file order, so
they see each other's effect exactly as consecutive terminal bookings would; different children run side by
side, 6 at a time on the pool, which is most of the gain over the reference (one line after another, with a
context read per line). Declines cost one more round trip each (the per-card decline counter).`,
    );
  } finally {
    await scratch.drop();
  }
}
