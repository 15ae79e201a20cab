import { BENEFIT_TYPE_NAMES } from '@tk/core';
import { useState } from 'preact/hooks';
import { messageOf } from '../../api/problems';
import { formatCents, formatDate } from '../../ui';
import { BookingForm } from './booking-form';
import { CardEntry } from './card-entry';
import { isDecline, isNetworkFailure } from './declines';
import { ResultScreen } from './result-screen';
import {
  type CardLookup,
  type Entitlement,
  lookupCard,
  newIdempotencyKey,
  type RedeemRequest,
  redeem,
} from './terminal-api';
import { TodayList } from './today-list';

type Step =
  | { kind: 'entry'; error?: string }
  | { kind: 'card'; code: string; lookup: CardLookup }
  | {
      kind: 'result';
      ok: boolean;
      name?: string | undefined;
      lines: string[];
      back?: { code: string; lookup: CardLookup };
    };

/** One booking waiting for an answer: the same request is only ever sent with the same key. */
interface Pending {
  key: string;
  body: string;
}

/** Read a card, choose the benefit, book, see the result; today's bookings below. */
export function TerminalPage() {
  const [step, setStep] = useState<Step>({ kind: 'entry' });
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<Pending>();
  const [unsent, setUnsent] = useState<string>();
  const [bookError, setBookError] = useState<string>();
  const [reloadKey, setReloadKey] = useState(0);

  function reset() {
    setStep({ kind: 'entry' });
    setPending(undefined);
    setUnsent(undefined);
    setBookError(undefined);
  }

  async function look(code: string) {
    setBusy(true);
    try {
      const lookup = await lookupCard(code);
      setStep({ kind: 'card', code, lookup });
    } catch (err) {
      if (isDecline(err)) setStep({ kind: 'result', ok: false, lines: [err.message] });
      else setStep({ kind: 'entry', error: messageOf(err) });
    } finally {
      setBusy(false);
    }
  }

  async function book(
    code: string,
    lookup: CardLookup,
    entitlement: Entitlement,
    input: Omit<RedeemRequest, 'code' | 'approvalId'>,
  ) {
    const request: RedeemRequest = { code, approvalId: entitlement.approvalId, ...input };
    const body = JSON.stringify(request);
    // A retry of the very same booking keeps its key (booked at most once); anything else is new.
    const key = pending && pending.body === body ? pending.key : newIdempotencyKey();
    setPending({ key, body });
    setBusy(true);
    setBookError(undefined);
    const name = lookup.holder.displayName;
    const label = BENEFIT_TYPE_NAMES[entitlement.benefitType].long;
    try {
      const created = await redeem(request, key);
      const lines = [`${label}: ${formatCents(created.amountCents)}`];
      if (input.minutes) lines[0] += ` (${input.minutes} Minuten)`;
      if (created.availableCents !== undefined) lines.push(`Restguthaben: ${formatCents(created.availableCents)}`);
      lines.push(`Leistungsdatum: ${formatDate(created.serviceDate)}`);
      setPending(undefined);
      setUnsent(undefined);
      setStep({ kind: 'result', ok: true, name, lines });
      setReloadKey((n) => n + 1);
    } catch (err) {
      if (isNetworkFailure(err)) {
        setUnsent(
          'Ob die Buchung angekommen ist, ist unklar. „Erneut senden“ wiederholt genau diese Buchung – sie wird höchstens einmal gebucht.',
        );
      } else if (isDecline(err)) {
        setPending(undefined);
        setUnsent(undefined);
        const lines = [err.message];
        if (err.code === 'insufficient_budget' && entitlement.availableCents !== undefined) {
          lines.push(`Verfügbar: ${formatCents(entitlement.availableCents)}`);
        }
        setStep({ kind: 'result', ok: false, name, lines, back: { code, lookup } });
      } else {
        setPending(undefined);
        setBookError(messageOf(err));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="terminal">
      {step.kind === 'entry' && (
        <section class="card" aria-labelledby="entry-title">
          <h2 id="entry-title">Karte lesen</h2>
          {step.error && (
            <div class="alert alert-error" role="alert">
              {step.error}
            </div>
          )}
          <CardEntry onCode={(code) => void look(code)} busy={busy} />
        </section>
      )}
      {step.kind === 'card' && (
        <BookingForm
          lookup={step.lookup}
          busy={busy}
          unsent={unsent}
          error={bookError}
          onBook={(entitlement, input) => void book(step.code, step.lookup, entitlement, input)}
          onCancel={reset}
        />
      )}
      {step.kind === 'result' && (
        <ResultScreen
          ok={step.ok}
          name={step.name}
          lines={step.lines}
          onNext={reset}
          onBack={step.back ? () => setStep({ kind: 'card', ...step.back! }) : undefined}
        />
      )}
      <TodayList reloadKey={reloadKey} />
    </div>
  );
}
