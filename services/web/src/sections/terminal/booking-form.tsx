import { BENEFIT_TYPE_NAMES } from '@tk/core';
import { useState } from 'preact/hooks';
import { Alert, Button, Field, formatCents, formatDate, parseEuroToCents } from '../../ui';
import { type CardLookup, type Entitlement, type RedeemRequest, recentPurposes, rememberPurpose } from './terminal-api';

export interface BookingFormProps {
  lookup: CardLookup;
  busy: boolean;
  /** A booking that got no answer: "Erneut senden" repeats it with the same idempotency key. */
  unsent?: string | undefined;
  error?: string | undefined;
  onBook: (entitlement: Entitlement, request: Omit<RedeemRequest, 'code' | 'approvalId'>) => void;
  onCancel: () => void;
}

function entitlementValue(e: Entitlement): string {
  if (e.benefitType === 'lunch') {
    if (e.lunchAvailableToday === false) return 'heute bereits gebucht';
    return e.mealPriceCents !== undefined ? `heute offen · ${formatCents(e.mealPriceCents)}` : 'heute offen';
  }
  const balance = e.availableCents !== undefined ? `${formatCents(e.availableCents)} verfügbar` : '';
  if (e.minutesAvailable === undefined) return balance;
  const hours = Math.floor(e.minutesAvailable / 60);
  const minutes = e.minutesAvailable % 60;
  return `${balance} · noch ${hours} Std.${minutes ? ` ${minutes} Min.` : ''}`;
}

/**
 * What tells approvals of one type apart (two trips, two tutoring subjects): the trip's name or the
 * subject, and the period when the same type appears more than once.
 */
function entitlementDetail(e: Entitlement, all: readonly Entitlement[]): string {
  const parts = [e.reference ?? e.subject].filter(Boolean) as string[];
  const sameType = all.filter((o) => o.benefitType === e.benefitType).length > 1;
  if (sameType && e.validFrom && e.validTo) parts.push(`${formatDate(e.validFrom)}–${formatDate(e.validTo)}`);
  return parts.join(' · ');
}

const MINUTE_PRESETS = [45, 60, 90];

/** The child's name, the benefits this provider may book, and the amount (or minutes, or one tap). */
export function BookingForm({ lookup, busy, unsent, error, onBook, onCancel }: BookingFormProps) {
  const { entitlements } = lookup;
  const [selectedId, setSelectedId] = useState(entitlements.length === 1 ? entitlements[0]!.approvalId : undefined);
  const [euros, setEuros] = useState('');
  const [minutes, setMinutes] = useState('');
  const [serviceDate, setServiceDate] = useState('');
  const [purpose, setPurpose] = useState('');
  const [suggestions] = useState(recentPurposes);
  const [touched, setTouched] = useState(false);
  const selected = entitlements.find((e) => e.approvalId === selectedId);

  function choose(approvalId: string) {
    if (approvalId === selectedId) return;
    setSelectedId(approvalId);
    setEuros('');
    setMinutes('');
    setTouched(false);
  }

  const cents = parseEuroToCents(euros);
  const amountError =
    touched && selected && (selected.benefitType === 'participation' || selected.benefitType === 'trip')
      ? cents === null || cents <= 0
        ? 'Bitte einen Betrag wie 12,50 eingeben.'
        : undefined
      : undefined;
  const minuteCount = /^\d{1,4}$/.test(minutes.trim()) ? Number(minutes.trim()) : null;
  const minutesError =
    touched && selected?.benefitType === 'tutoring' && (!minuteCount || minuteCount > 1440)
      ? 'Bitte die Minuten als ganze Zahl eingeben.'
      : undefined;
  const overBudget =
    selected?.availableCents !== undefined && cents !== null && cents > selected.availableCents
      ? `Mehr als das verfügbare Guthaben (${formatCents(selected.availableCents)}).`
      : undefined;

  function submit(event: Event) {
    event.preventDefault();
    setTouched(true);
    if (!selected || busy) return;
    const trimmed = purpose.trim().slice(0, 140);
    if (trimmed) rememberPurpose(trimmed);
    const date = { ...(serviceDate ? { serviceDate } : {}), ...(trimmed ? { purpose: trimmed } : {}) };
    if (selected.benefitType === 'lunch') return onBook(selected, { meals: 1, ...date });
    if (selected.benefitType === 'tutoring') {
      if (minuteCount && minuteCount <= 1440) onBook(selected, { minutes: minuteCount, ...date });
      return;
    }
    if (cents !== null && cents > 0) onBook(selected, { amountCents: cents, ...date });
  }

  return (
    <form class="card stack" onSubmit={submit} noValidate aria-labelledby="holder-name">
      <div>
        <p class="muted eyebrow">Karte gültig · Kind</p>
        <p class="holder" id="holder-name" data-testid="holder-name">
          {lookup.holder.displayName}
        </p>
      </div>
      {entitlements.length === 0 ? (
        <Alert tone="warning">Für dieses Kind gibt es bei Ihnen keine einlösbare Leistung.</Alert>
      ) : (
        <fieldset class="plain">
          <legend class="muted">Leistung wählen</legend>
          <ul class="entitlements">
            {entitlements.map((e) => (
              <li key={e.approvalId}>
                <button
                  type="button"
                  class="entitlement"
                  aria-pressed={e.approvalId === selectedId}
                  onClick={() => choose(e.approvalId)}
                  disabled={busy}
                >
                  <span class="label">
                    {BENEFIT_TYPE_NAMES[e.benefitType].long}
                    {entitlementDetail(e, entitlements) && (
                      <span class="detail">{entitlementDetail(e, entitlements)}</span>
                    )}
                  </span>
                  <span class="value">{entitlementValue(e)}</span>
                </button>
              </li>
            ))}
          </ul>
        </fieldset>
      )}

      {selected && (selected.benefitType === 'participation' || selected.benefitType === 'trip') && (
        <Field
          label="Betrag in Euro"
          name="amount"
          inputMode="decimal"
          autocomplete="off"
          placeholder="z. B. 12,50"
          value={euros}
          error={amountError}
          status={cents !== null && cents > 0 ? (overBudget ?? `= ${formatCents(cents)}`) : ''}
          statusTone={overBudget ? 'error' : 'neutral'}
          onInput={(e) => setEuros(e.currentTarget.value)}
        />
      )}
      {selected?.benefitType === 'tutoring' && (
        <>
          <Field
            label="Dauer in Minuten"
            name="minutes"
            inputMode="numeric"
            autocomplete="off"
            value={minutes}
            error={minutesError}
            onInput={(e) => setMinutes(e.currentTarget.value.replace(/\D/g, ''))}
          />
          <div class="quick">
            {MINUTE_PRESETS.map((m) => (
              <Button key={m} variant="secondary" onClick={() => setMinutes(String(m))}>
                {m} Min.
              </Button>
            ))}
          </div>
        </>
      )}
      {selected && selected.benefitType !== 'lunch' && (
        <div class="field">
          <label for="purpose">Wofür? (optional)</label>
          <input
            id="purpose"
            name="purpose"
            list="purpose-suggestions"
            maxLength={140}
            autocomplete="off"
            placeholder="z. B. Mitgliedsbeitrag Dezember"
            value={purpose}
            onInput={(e) => setPurpose(e.currentTarget.value)}
          />
          <datalist id="purpose-suggestions">
            {suggestions.map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
        </div>
      )}
      {selected && (
        <details>
          <summary>Anderes Leistungsdatum</summary>
          <div class="field">
            <label for="service-date">Leistungsdatum (leer = heute)</label>
            <input
              id="service-date"
              type="date"
              value={serviceDate}
              onInput={(e) => setServiceDate(e.currentTarget.value)}
            />
          </div>
        </details>
      )}

      {unsent && (
        <Alert tone="warning" title="Keine Antwort vom Server">
          <p>{unsent}</p>
        </Alert>
      )}
      {error && <Alert tone="error">{error}</Alert>}
      {selected && (
        <Button type="submit" size="large" busy={busy} disabled={selected.lunchAvailableToday === false}>
          {unsent
            ? 'Erneut senden'
            : selected.benefitType === 'lunch'
              ? 'Mittagessen buchen'
              : selected.benefitType === 'tutoring'
                ? 'Stunde buchen'
                : 'Betrag buchen'}
        </Button>
      )}
      <Button variant="ghost" onClick={onCancel} disabled={busy}>
        Abbrechen – andere Karte
      </Button>
    </form>
  );
}
