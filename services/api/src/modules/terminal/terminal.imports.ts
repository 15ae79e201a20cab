import {
  BENEFIT_TYPE_NAMES,
  berlinDate,
  formatCents,
  hasForbiddenCharacters,
  isValidCardNumber,
  newId,
  normalizeCardNumber,
  Problem,
  parseEuroToCents,
  parseGermanOrIsoDate,
  REDEEMABLE_BENEFIT_TYPES,
  type RedeemableBenefitType,
  requestHash,
} from '@tk/core';
import { type Db, redemptionDeclines } from '@tk/db';
import { type RedeemContext, readRedeemContext, type StoredAnswer } from '@tk/db/queries/terminal';
import { type ImportApproval, type ImportCard, readImportContext } from '@tk/db/queries/terminal-imports';
import { parse } from 'csv-parse/sync';
import { audit } from '../../lib/audit.ts';
import { PayloadTooLarge } from '../../lib/problems.ts';
import { BookingConflict } from '../bookings/bookings.errors.ts';
import {
  type BookingPlan,
  type BookingResult,
  book,
  type Outcome,
  replayStored,
  withIdempotency,
} from '../bookings/bookings.service.ts';
import { CsvUnreadable, MissingColumns } from '../imports/imports.errors.ts';
import { IdempotencyKeyRequired, NotRedeemableHere, ProviderNotApproved } from './terminal.errors.ts';
import type { RedeemInput } from './terminal.schemas.ts';
import { planBooking, type TerminalActor, type TerminalDeps } from './terminal.service.ts';

/**
 * importRedemptions (issue 14, item 3): a provider admin books a whole list at once — a school's class
 * trip, a tutor's month of attendance, a canteen's list. The file is `;`-separated UTF-8 (with or without
 * BOM; Windows-1252 as Excel's fallback), header `cardNumber;serviceDate;benefitType;amount;minutes;purpose`.
 *
 * Every line is booked exactly as `redeem` books it: `planBooking` decides (same rules, same declines) and
 * `bookings.book` books in its one guarded statement (budget never below zero, lunch slots, card/approval/
 * provider re-checked). Only the READ is batched: one context read for all cards of the file instead of
 * one per line; a line whose booking loses a race reads its own context again, as `redeem` does.
 *
 * Idempotency: the file's `Idempotency-Key` stores the whole answer; each line books under its own key
 * derived from it (`<key>#<line>`), so a repeat after a crash half-way books no line twice. The same file
 * under another key is a new upload (it books again; lunch once a day still guards lunch).
 */

/** Lines of data per file (a month of a big canteen); more is 413. */
export const MAX_IMPORT_LINES = 5000;
/** Bytes per file (5,000 lines of ~80 bytes fit with room). */
export const MAX_IMPORT_BYTES = 1024 * 1024;

export const IMPORT_COLUMNS = ['cardNumber', 'serviceDate', 'benefitType', 'amount', 'minutes', 'purpose'] as const;
type Column = (typeof IMPORT_COLUMNS)[number];

export interface DeclinedLine {
  line: number;
  code: string;
  detail: string;
}

export interface ImportReport {
  id: string;
  bookedCount: number;
  declined: DeclinedLine[];
}

/** Throttle hooks of the terminal routes (the same counters as single bookings; see ADR in docs). */
export interface ImportGuards {
  /**
   * `count` distinct unknown card numbers in the file `fileId` (key and content); returns the 429 once the
   * user is over the limit. The same file checked and then booked under one key counts once.
   */
  unknownCards(count: number, fileId: string): Promise<Problem | null>;
  /** A decline whose reason depends on the child's data; returns `rate_limited` once over the per-card limit. */
  decline(problem: Problem, cardNumber: string): Promise<Problem>;
}

const fold = (v: string) =>
  v
    .toLowerCase()
    .replaceAll('ä', 'ae')
    .replaceAll('ö', 'oe')
    .replaceAll('ü', 'ue')
    .replaceAll('ß', 'ss')
    .replace(/[^a-z0-9]/g, '');

const HEADER: Record<string, Column> = {
  ...Object.fromEntries(IMPORT_COLUMNS.map((c) => [fold(c), c])),
  kartennummer: 'cardNumber',
  karte: 'cardNumber',
  leistungsdatum: 'serviceDate',
  datum: 'serviceDate',
  leistungsart: 'benefitType',
  leistung: 'benefitType',
  betrag: 'amount',
  betrageur: 'amount',
  minuten: 'minutes',
  zweck: 'purpose',
};

const BENEFIT: Record<string, RedeemableBenefitType> = {
  ...Object.fromEntries(REDEEMABLE_BENEFIT_TYPES.map((t) => [fold(t), t])),
  ...Object.fromEntries(REDEEMABLE_BENEFIT_TYPES.map((t) => [fold(BENEFIT_TYPE_NAMES[t].name), t])),
  ...Object.fromEntries(REDEEMABLE_BENEFIT_TYPES.map((t) => [fold(BENEFIT_TYPE_NAMES[t].catalogue), t])),
  mittagsverpflegung: 'lunch',
  essen: 'lunch',
  nachhilfe: 'tutoring',
  ausflug: 'trip',
  klassenfahrt: 'trip',
  fahrt: 'trip',
};

/** One line of the file, checked for form; `input` is what a single `redeem` would have sent. */
interface FileLine {
  line: number;
  cardNumber: string;
  benefitType: RedeemableBenefitType;
  serviceDate: string;
  amountCents?: number;
  minutes?: number;
  purpose?: string;
}

function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

const quote = (v: string) => `„${v.length > 40 ? `${v.slice(0, 40)}…` : v}“`;

/** Parses and checks the form of each line; lines with form errors are declined with a German detail. */
export function parseBookingFile(bytes: Buffer): { lines: FileLine[]; declined: DeclinedLine[] } {
  if (bytes.length > MAX_IMPORT_BYTES) {
    throw new PayloadTooLarge({ detail: `Die Datei ist zu groß (höchstens ${MAX_IMPORT_BYTES / 1024} KiB).` });
  }
  const text = decode(bytes);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter: ';',
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      to_line: MAX_IMPORT_LINES + 50,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { lines?: number; message: string };
    throw new CsvUnreadable(e.lines ?? 0, e.message);
  }
  const [header, ...data] = records;
  const columns = (header?.record ?? []).map((name) => HEADER[fold(name)]);
  const missing = (['cardNumber', 'serviceDate', 'benefitType'] as const).filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new MissingColumns([...missing]);
  const rows = data.filter((r) => r.record.some((v) => v !== ''));
  if (rows.length > MAX_IMPORT_LINES) {
    throw new PayloadTooLarge({
      detail: `Die Datei hat zu viele Zeilen (höchstens ${MAX_IMPORT_LINES.toLocaleString('de-DE')} je Datei); bitte aufteilen.`,
    });
  }
  const lines: FileLine[] = [];
  const declined: DeclinedLine[] = [];
  for (const r of rows) {
    const line = r.info.lines;
    const v: Partial<Record<Column, string>> = {};
    r.record.forEach((value, i) => {
      const c = columns[i];
      if (c && value !== '') v[c] = value;
    });
    const fail = (code: string, detail: string) => declined.push({ line, code, detail });
    const cardNumber = normalizeCardNumber(v.cardNumber ?? '');
    if (!v.cardNumber) {
      fail('validation_failed', 'Kartennummer fehlt.');
      continue;
    }
    if (!cardNumber || !isValidCardNumber(cardNumber)) {
      fail('invalid_code', `Keine gültige Kartennummer: ${quote(v.cardNumber)} (16 Ziffern, Prüfziffer).`);
      continue;
    }
    const benefitType = v.benefitType ? BENEFIT[fold(v.benefitType)] : undefined;
    if (!benefitType) {
      fail(
        'validation_failed',
        v.benefitType
          ? `Unbekannte Leistungsart ${quote(v.benefitType)} (erlaubt: Mittagessen, Teilhabe, Lernförderung, Ausflug).`
          : 'Leistungsart fehlt.',
      );
      continue;
    }
    const serviceDate = v.serviceDate ? parseGermanOrIsoDate(v.serviceDate) : null;
    if (!serviceDate) {
      fail(
        'validation_failed',
        v.serviceDate
          ? `Kein gültiges Leistungsdatum: ${quote(v.serviceDate)} (TT.MM.JJJJ oder JJJJ-MM-TT).`
          : 'Leistungsdatum fehlt.',
      );
      continue;
    }
    const entry: FileLine = { line, cardNumber, benefitType, serviceDate };
    if (v.purpose !== undefined) {
      if (v.purpose.length > 140 || hasForbiddenCharacters(v.purpose)) {
        fail('validation_failed', 'Der Zweck ist zu lang (höchstens 140 Zeichen) oder enthält Steuerzeichen.');
        continue;
      }
      entry.purpose = v.purpose;
    }
    if (benefitType === 'tutoring') {
      const minutes = v.minutes && /^\d{1,4}$/.test(v.minutes) ? Number(v.minutes) : null;
      if (minutes === null || minutes < 1 || minutes > 24 * 60) {
        fail(
          v.minutes ? 'validation_failed' : 'amount_required',
          v.minutes
            ? `Keine gültige Minutenzahl: ${quote(v.minutes)} (1 bis 1440).`
            : 'Für Lernförderung fehlen die Minuten.',
        );
        continue;
      }
      entry.minutes = minutes;
    } else if (benefitType !== 'lunch') {
      const cents = v.amount ? parseEuroToCents(v.amount) : null;
      if (cents === null || cents <= 0 || cents > 10_000_000) {
        fail(
          v.amount ? 'validation_failed' : 'amount_required',
          v.amount ? `Kein gültiger Betrag: ${quote(v.amount)} (Euro mit Komma, z. B. 12,50).` : 'Der Betrag fehlt.',
        );
        continue;
      }
      entry.amountCents = cents;
    }
    lines.push(entry);
  }
  return { lines, declined };
}

/** Several approvals fit the line (overlapping trips or tutoring subjects): the terminal must name one. */
class Ambiguous extends NotRedeemableHere {
  constructor() {
    super('Several approvals of this benefit type fit this service date.');
  }
}

/** The German line report detail of a decline: never a date of the child (birthday, revocation). */
function germanDetail(problem: Problem, line: FileLine, today: string): string {
  switch (problem.code) {
    case 'insufficient_budget': {
      const available = problem.extensions?.availableCents;
      return `Das Restbudget reicht nicht${typeof available === 'number' ? ` (noch ${formatCents(available)})` : ''}; nichts gebucht.`;
    }
    case 'already_redeemed_today':
      return 'Für dieses Kind ist an diesem Tag schon ein Mittagessen gebucht (bei einem beliebigen Anbieter).';
    case 'card_blocked':
      return 'Die Karte ist gesperrt oder wurde durch eine neue ersetzt.';
    case 'card_not_found':
      return 'Diese Kartennummer ist nicht bekannt.';
    case 'approval_not_active':
      return 'Die Bewilligung gilt für dieses Leistungsdatum nicht (mehr).';
    case 'service_date_invalid':
      return line.serviceDate > today
        ? 'Das Leistungsdatum liegt in der Zukunft.'
        : 'Das Leistungsdatum liegt außerhalb des Bewilligungszeitraums oder ist nicht mehr abrechenbar.';
    case 'not_redeemable_here':
      return problem instanceof Ambiguous
        ? 'Mehrere Bewilligungen dieser Leistungsart passen zu diesem Datum; bitte diese Buchung am Terminal einzeln vornehmen.'
        : 'Für diese Karte gibt es keine Bewilligung dieser Leistungsart, die Ihre Einrichtung einlösen kann.';
    case 'meal_price_missing':
      return 'Für dieses Datum ist kein Essenspreis Ihrer Einrichtung hinterlegt; die Stadt trägt ihn ein.';
    case 'amount_required':
      return line.benefitType === 'tutoring' ? 'Für Lernförderung fehlen die Minuten.' : 'Der Betrag fehlt.';
    case 'idempotency_key_reused':
      return 'Diese Zeile wurde unter demselben Idempotency-Key schon mit anderem Inhalt gebucht.';
    case 'rate_limited':
      return 'Zu viele abgelehnte Buchungen für diese Karte; bitte später erneut versuchen.';
    case 'conflict':
      return 'Wegen gleichzeitiger Buchungen kam die Buchung nicht zustande; bitte die Datei erneut hochladen.';
    default:
      return 'Die Buchung wurde abgelehnt.';
  }
}

/**
 * The approval a line books: of the line's benefit type, one this provider may redeem (type in its
 * benefit types, not bound to another provider, redeemable). Of those, the one whose period covers
 * the service date and is not revoked on it; with several (trips and tutoring may overlap), the one
 * bound to this provider; still several is a decline (the terminal names the approval). None
 * covering: the nearest one, so `planBooking` declines it with the single booking's reason.
 */
function chooseApproval(
  approvals: ImportApproval[],
  card: ImportCard,
  line: FileLine,
  provider: { benefitTypes: string[] },
  providerId: string,
): ImportApproval | null {
  const candidates = approvals.filter(
    (a) =>
      a.beneficiaryId === card.beneficiaryId &&
      a.benefitType === line.benefitType &&
      a.redeemable &&
      provider.benefitTypes.includes(a.benefitType) &&
      (a.providerId === null || a.providerId === providerId),
  );
  if (candidates.length === 0) return null;
  const sd = line.serviceDate;
  const covering = candidates.filter((a) => a.validFrom <= sd && sd <= a.validTo);
  const active = covering.filter((a) => !a.revokedFrom || a.revokedFrom > sd);
  const pick = (list: ImportApproval[]) => {
    if (list.length <= 1) return list[0] ?? null;
    const bound = list.filter((a) => a.providerId === providerId);
    if (bound.length === 1) return bound[0] ?? null;
    throw new Ambiguous();
  };
  if (active.length > 0) return pick(active);
  if (covering.length > 0) return covering[0] ?? null;
  const before = candidates.filter((a) => a.validFrom <= sd);
  return before.at(-1) ?? candidates[0] ?? null;
}

const BOOKING_ATTEMPTS = 5;
/** Children booked side by side (connections of the pool one file uses at most). */
const IMPORT_CONCURRENCY = 6;
export const importScope = (providerId: string) => `terminal-import:${providerId}`;
const lineKey = (fileKey: string, line: number) => `${fileKey}#${line}`;

/**
 * Books (or with `dryRun` only checks) a file of redemptions. Throws 400 `idempotency_key_required` (a
 * booking without key), `invalid_csv`, `missing_columns`, 403 `provider_not_approved`, 413
 * `payload_too_large`, 422 `idempotency_key_reused` (another file under the same key), 429 (too many
 * unknown card numbers). Line declines are in the report, never an error of the whole file.
 */
export async function importRedemptions(
  db: Db,
  deps: TerminalDeps,
  bytes: Buffer,
  options: { dryRun: boolean; idempotencyKey: string | undefined },
  actor: TerminalActor,
  guards: ImportGuards,
): Promise<Outcome<ImportReport>> {
  const { dryRun, idempotencyKey } = options;
  if (!dryRun && !idempotencyKey) throw new IdempotencyKeyRequired();
  const parsed = parseBookingFile(bytes);
  const now = deps.clock.now();
  const today = berlinDate(now);
  const scope = importScope(actor.providerId);
  const fileHash = await requestHash('importRedemptions', { file: await sha256(bytes) });
  const lineHashes = await Promise.all(parsed.lines.map((l) => requestHash('importRedemptionLine', { ...l })));
  const keys = idempotencyKey ? [idempotencyKey, ...parsed.lines.map((l) => lineKey(idempotencyKey, l.line))] : [];
  const context = await readImportContext(db, {
    providerId: actor.providerId,
    cardNumbers: [...new Set(parsed.lines.map((l) => l.cardNumber))],
    lunchDates: [...new Set(parsed.lines.filter((l) => l.benefitType === 'lunch').map((l) => l.serviceDate))],
    scope,
    keys,
  });
  const stored = new Map<string, StoredAnswer>(context.stored.map((s) => [s.key, s]));
  if (!dryRun && idempotencyKey) {
    const earlier = replayStored<ImportReport>(stored.get(idempotencyKey) ?? null, fileHash);
    if (earlier) return earlier;
  }
  if (context.provider?.status !== 'approved') throw new ProviderNotApproved();
  const provider = context.provider;

  const declined: DeclinedLine[] = [...parsed.declined];
  // Unknown card numbers (distinct, per file) count against the same per-user limit as at the terminal,
  // before anything is booked: over the limit the whole file is refused (429), so a file cannot probe
  // numbers. Numbers failing the check digit never reach the database and tell nothing: they do not count.
  const cards = new Map(context.cards.map((c) => [c.cardNumber, c]));
  const unknown = new Set(parsed.lines.filter((l) => !cards.has(l.cardNumber)).map((l) => l.cardNumber));
  if (unknown.size > 0) {
    const throttled = await guards.unknownCards(unknown.size, `${idempotencyKey ?? ''}:${fileHash}`);
    if (throttled) throw throttled;
  }

  // What earlier lines of this file have taken: budgets and lunch slots (the batched read is from before).
  const remaining = new Map(context.approvals.map((a) => [a.id, a.remainingCents]));
  const taken = new Set(context.lunchSlots.map((s) => `${s.beneficiaryId}|${s.serviceDate}|${s.mealSlot}`));
  const freeSlot = (beneficiaryId: string, serviceDate: string) => {
    for (let slot = 1; slot <= context.settings.lunchMealsPerDay; slot++) {
      if (!taken.has(`${beneficiaryId}|${serviceDate}|${slot}`)) return slot;
    }
    return null;
  };
  const mealPrice = (serviceDate: string) =>
    context.mealPrices.find((p) => p.validFrom <= serviceDate)?.priceCents ?? null;
  const declineRows: (typeof redemptionDeclines.$inferInsert)[] = [];
  let bookedCount = 0;

  const processLine = async (line: FileLine, index: number): Promise<void> => {
    const card = cards.get(line.cardNumber) ?? null;
    const request = idempotencyKey
      ? { scope, key: lineKey(idempotencyKey, line.line), requestHash: lineHashes[index] ?? '' }
      : null;
    let approvalId: string | null = null;
    try {
      if (request && !dryRun && replayStored(stored.get(request.key) ?? null, request.requestHash)) {
        bookedCount++; // booked by an earlier upload under the same key (e.g. cut off half-way)
        return;
      }
      const approval = card ? chooseApproval(context.approvals, card, line, provider, actor.providerId) : null;
      approvalId = approval?.id ?? null;
      const input: RedeemInput = {
        code: line.cardNumber,
        approvalId: approval?.id ?? '',
        serviceDate: line.serviceDate,
        ...(line.amountCents !== undefined ? { amountCents: line.amountCents } : {}),
        ...(line.minutes !== undefined ? { minutes: line.minutes } : {}),
        ...(line.purpose !== undefined ? { purpose: line.purpose } : {}),
      };
      const lineContext: RedeemContext = {
        settings: context.settings,
        provider,
        card,
        approval: approval ? { ...approval, remainingCents: remaining.get(approval.id) ?? null } : null,
        mealPriceCents: line.benefitType === 'lunch' ? mealPrice(line.serviceDate) : null,
        freeMealSlot: card && line.benefitType === 'lunch' ? freeSlot(card.beneficiaryId, line.serviceDate) : null,
        stored: null,
      };
      let plan: BookingPlan = planBooking(lineContext, input, line.serviceDate, today, actor);
      if (request && !dryRun) {
        const booked = await bookLine(db, plan, request, input, line, actor, now);
        if (booked) plan = booked.plan;
        if (booked?.outcome.body.availableCents !== undefined) {
          remaining.set(plan.approvalId, booked.outcome.body.availableCents);
        }
      } else if (plan.benefitType !== 'lunch') {
        remaining.set(plan.approvalId, (remaining.get(plan.approvalId) ?? 0) - plan.amountCents);
      }
      if (plan.mealSlot !== null) taken.add(`${plan.beneficiaryId}|${plan.serviceDate}|${plan.mealSlot}`);
      bookedCount++;
    } catch (err) {
      if (!(err instanceof Problem)) throw err;
      let problem: Problem = err;
      if (card && problem.code !== 'card_not_found') problem = await guards.decline(problem, line.cardNumber);
      declined.push({ line: line.line, code: problem.code, detail: germanDetail(problem, line, today) });
      if (!dryRun) {
        declineRows.push({
          id: newId('decline'),
          userId: actor.userId,
          providerId: actor.providerId,
          cardId: card?.id ?? null,
          approvalId,
          code: problem.code,
          requestId: actor.requestId,
        });
      }
    }
  };

  // A child's lines run in file order (each sees the budget and lunch slots the earlier ones took, exactly
  // as consecutive terminal bookings would); different children's lines run side by side on the pool.
  const groups = new Map<string, [FileLine, number][]>();
  for (const [index, line] of parsed.lines.entries()) {
    const group = cards.get(line.cardNumber)?.beneficiaryId ?? `line:${line.line}`;
    const list = groups.get(group) ?? [];
    list.push([line, index]);
    groups.set(group, list);
  }
  const queue = [...groups.values()];
  await Promise.all(
    Array.from({ length: Math.min(IMPORT_CONCURRENCY, queue.length) }, async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const [line, index] of group) await processLine(line, index);
      }
    }),
  );
  declined.sort((a, b) => a.line - b.line);
  const report: ImportReport = { id: newId('redemptionImport'), bookedCount, declined };
  if (dryRun || !idempotencyKey) return { status: 200, replayed: false, body: report };
  if (declineRows.length > 0) await db.insert(redemptionDeclines).values(declineRows);
  // Stores the file's answer under its key; a concurrent upload with the same key that stored first wins
  // and its answer is returned (its lines and ours booked under the same per-line keys, so nothing twice).
  return withIdempotency(db, { scope, key: idempotencyKey, requestHash: fileHash }, now, async (tx) => {
    await audit(tx, actor, {
      action: 'terminal.redemption_import',
      entityType: 'redemption_import',
      entityId: report.id,
      data: {
        providerId: actor.providerId,
        lines: parsed.lines.length + parsed.declined.length,
        bookedCount,
        declinedCount: declined.length,
      },
    });
    return { status: 201, body: report };
  });
}

/**
 * Books one planned line as `redeem` does: `bookings.book` (one guarded statement); a lost race reads
 * the line's context afresh and decides anew (up to 5 times), a concurrent upload that booked the same
 * line key counts as booked. Returns null when the line was booked by that other upload, else the
 * outcome and the plan it booked (after a re-read, e.g. another lunch slot).
 */
async function bookLine(
  db: Db,
  first: BookingPlan,
  request: { scope: string; key: string; requestHash: string },
  input: RedeemInput,
  line: FileLine,
  actor: TerminalActor,
  now: Date,
): Promise<{ outcome: Outcome<BookingResult>; plan: BookingPlan } | null> {
  let plan = first;
  for (let attempt = 0; attempt < BOOKING_ATTEMPTS; attempt++) {
    if (attempt > 0) {
      const fresh = await readRedeemContext(db, {
        ref: { cardNumber: line.cardNumber },
        approvalId: input.approvalId,
        serviceDate: line.serviceDate,
        providerId: actor.providerId,
        scope: request.scope,
        key: request.key,
      });
      if (replayStored(fresh.stored, request.requestHash)) return null;
      plan = planBooking(fresh, input, line.serviceDate, berlinDate(now), actor);
    }
    const outcome = await book(db, plan, request, actor, now);
    if (outcome) return { outcome, plan };
  }
  throw new BookingConflict();
}

async function sha256(bytes: Buffer): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return Buffer.from(digest).toString('hex');
}
