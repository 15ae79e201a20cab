import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { messageOf } from '../../api/problems';
import { Field, formatCents, formatDate, parseEuroToCents } from '../../ui';
import { fieldErrorsOf, summaryOf } from '../../ui/form';
import { FormDialog } from '../../ui/form-dialog';
import { SelectField, TextAreaField } from '../../ui/select-field';
import { AMOUNT_TYPES, centsToInput, PROVIDER_TYPES, previewBudget } from './approval-budget';
import {
  type Approval,
  BENEFIT_LABELS,
  type Beneficiary,
  type Catalogue,
  loadCatalogue,
  type Provider,
} from './casework-api';
import { OverlapNotice, overlapOf } from './overlap-notice';

const FIELDS = ['validFrom', 'validTo', 'providerId', 'amountCents', 'hours', 'hourlyRateCents', 'reason'];

const signed = (cents: number) =>
  cents > 0 ? `+${formatCents(cents)}` : cents < 0 ? `−${formatCents(-cents)}` : '±0,00 €';

/**
 * Änderung: amend an approval's period, amount, hours, rate or named provider. Before saving it shows
 * what the change does to the budget and the rest (the server recomputes it bindingly and refuses a
 * budget below what is booked, or a period overlapping another approval).
 */
export function AmendDialog(props: {
  child: Beneficiary;
  approval: Approval | undefined;
  onClose: () => void;
  onAmended: (a: Approval) => void;
}) {
  const { approval, child } = props;
  const [catalogue, setCatalogue] = useState<Catalogue>();
  const [providers, setProviders] = useState<Provider[]>([]);
  const [validFrom, setValidFrom] = useState('');
  const [validTo, setValidTo] = useState('');
  const [amount, setAmount] = useState('');
  const [hours, setHours] = useState('');
  const [hourlyRate, setHourlyRate] = useState('');
  const [providerId, setProviderId] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [overlap, setOverlap] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    loadCatalogue()
      .then(setCatalogue)
      .catch((err) => setError(messageOf(err)));
    api
      .GET('/api/v1/providers', {})
      .then(unwrap)
      .then((list) => setProviders(list.items))
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    if (!approval) return;
    setValidFrom(approval.validFrom);
    setValidTo(approval.validTo);
    setAmount(approval.budgetCents !== null ? centsToInput(approval.budgetCents) : '');
    setHours(approval.hours !== undefined ? String(approval.hours) : '');
    setHourlyRate(approval.hourlyRateCents !== undefined ? centsToInput(approval.hourlyRateCents) : '');
    setProviderId(approval.providerId ?? '');
    setReason('');
    setErrors({});
    setError(undefined);
    setOverlap(undefined);
  }, [approval?.id]);

  if (!approval)
    return <FormDialog open={false} title="" confirmLabel="" onSubmit={() => {}} onCancel={props.onClose} />;

  const type = approval.benefitType;
  const isAmount = AMOUNT_TYPES.includes(type);
  const amountCents = parseEuroToCents(amount);
  const rateCents = parseEuroToCents(hourlyRate);
  const hourCount = /^\d{1,4}$/.test(hours.trim()) ? Number(hours.trim()) : null;
  const preview = catalogue
    ? previewBudget(
        catalogue,
        { benefitType: type, validFrom, validTo, amountCents, hours: hourCount, hourlyRateCents: rateCents },
        child.birthDate,
      )
    : undefined;

  const changes: Record<string, unknown> = {};
  if (validFrom !== approval.validFrom) changes.validFrom = validFrom;
  if (validTo !== approval.validTo) changes.validTo = validTo;
  if (isAmount && amountCents !== null && amountCents !== approval.budgetCents) changes.amountCents = amountCents;
  if (type === 'tutoring' && hourCount !== null && hourCount !== approval.hours) changes.hours = hourCount;
  if (type === 'tutoring' && rateCents !== null && rateCents !== approval.hourlyRateCents)
    changes.hourlyRateCents = rateCents;
  if (PROVIDER_TYPES.includes(type) && providerId !== (approval.providerId ?? ''))
    changes.providerId = providerId || null;

  function effect(): { text: string; tone: 'ok' | 'error' } | undefined {
    if (!approval || approval.budgetCents === null || approval.remainingCents === null) {
      return { text: 'Keine Budgetwirkung: Mittagessen ist eine Ja/Nein-Bewilligung.', tone: 'ok' };
    }
    if (!preview || preview.cents === null) return preview?.text ? { text: preview.text, tone: 'error' } : undefined;
    const delta = preview.cents - approval.budgetCents;
    const booked = approval.budgetCents - approval.remainingCents;
    const rest = approval.remainingCents + delta;
    const text = `Budget ${formatCents(approval.budgetCents)} → ${formatCents(preview.cents)} (${signed(delta)}) · Rest ${formatCents(
      approval.remainingCents,
    )} → ${formatCents(Math.max(rest, 0))} · bereits verbraucht ${formatCents(booked)}`;
    return rest < 0
      ? { text: `${text}. Das neue Budget wäre kleiner als bereits verbraucht – so nicht speicherbar.`, tone: 'error' }
      : { text, tone: 'ok' };
  }

  async function submit() {
    if (!approval) return;
    const local: Record<string, string> = {};
    if (!validFrom) local.validFrom = 'Bitte das Datum eingeben.';
    if (!validTo) local.validTo = 'Bitte das Datum eingeben.';
    if (isAmount && (amountCents === null || amountCents <= 0))
      local.amountCents = 'Bitte einen Betrag wie 285,00 eingeben.';
    if (type === 'tutoring' && !hourCount) local.hours = 'Bitte die Stunden als ganze Zahl eingeben.';
    if (type === 'tutoring' && (rateCents === null || rateCents <= 0))
      local.hourlyRateCents = 'Bitte einen Stundensatz wie 18,50 eingeben.';
    if (!reason.trim()) local.reason = 'Bitte den Grund der Änderung angeben.';
    setErrors(local);
    setOverlap(undefined);
    if (Object.keys(local).length > 0) return setError('Bitte die markierten Felder prüfen.');
    if (Object.keys(changes).length === 0) return setError('Es wurde nichts geändert.');
    setBusy(true);
    setError(undefined);
    try {
      const amended = unwrap(
        await api.PATCH('/api/v1/approvals/{id}', {
          params: { path: { id: approval.id } },
          body: { ...changes, reason: reason.trim() },
        }),
      );
      props.onAmended(amended);
    } catch (err) {
      setErrors(fieldErrorsOf(err, FIELDS));
      const existing = overlapOf(err);
      setOverlap(existing);
      setError(existing ? undefined : summaryOf(err));
    } finally {
      setBusy(false);
    }
  }

  const budgetEffect = effect();
  const typeProviders = providers.filter((p) => p.benefitTypes.includes(type) && p.status !== 'suspended');
  return (
    <FormDialog
      open
      title="Bewilligung ändern"
      confirmLabel="Änderung speichern"
      busy={busy}
      error={error}
      onSubmit={() => void submit()}
      onCancel={props.onClose}
    >
      <p>
        {BENEFIT_LABELS[type]}, bisher {formatDate(approval.validFrom)} – {formatDate(approval.validTo)}.
      </p>
      {overlap && <OverlapNotice existingApprovalId={overlap} />}
      <div class="form-grid">
        <Field
          label="Gültig ab"
          name="validFrom"
          type="date"
          value={validFrom}
          onInput={(e) => setValidFrom(e.currentTarget.value)}
          error={errors.validFrom}
        />
        <Field
          label="Gültig bis"
          name="validTo"
          type="date"
          value={validTo}
          onInput={(e) => setValidTo(e.currentTarget.value)}
          error={errors.validTo}
        />
        {isAmount && (
          <Field
            label="Betrag in Euro"
            name="amount"
            inputMode="decimal"
            autocomplete="off"
            value={amount}
            onInput={(e) => setAmount(e.currentTarget.value)}
            error={errors.amountCents}
          />
        )}
        {type === 'tutoring' && (
          <>
            <Field
              label="Stunden"
              name="hours"
              inputMode="numeric"
              autocomplete="off"
              value={hours}
              onInput={(e) => setHours(e.currentTarget.value)}
              error={errors.hours}
            />
            <Field
              label="Stundensatz in Euro"
              name="hourlyRate"
              inputMode="decimal"
              autocomplete="off"
              value={hourlyRate}
              onInput={(e) => setHourlyRate(e.currentTarget.value)}
              error={errors.hourlyRateCents}
            />
          </>
        )}
        {PROVIDER_TYPES.includes(type) && (
          <SelectField
            label={type === 'tutoring' ? 'Anbieter (Pflicht)' : 'Anbieter (optional)'}
            name="providerId"
            value={providerId}
            {...(type === 'tutoring' ? {} : { placeholder: '– jeder zugelassene Anbieter –' })}
            options={typeProviders.map((p) => ({ value: p.id, label: p.name }))}
            onChange={setProviderId}
            error={errors.providerId}
          />
        )}
      </div>
      <TextAreaField
        label="Grund der Änderung"
        name="reason"
        value={reason}
        onInput={setReason}
        error={errors.reason}
      />
      {budgetEffect && (
        <p
          class={`preview ${budgetEffect.tone === 'error' ? 'preview-error' : ''}`}
          aria-live="polite"
          data-testid="amend-effect"
        >
          <strong>Wirkung:</strong> {budgetEffect.text}
        </p>
      )}
    </FormDialog>
  );
}
