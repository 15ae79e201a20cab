import { BENEFIT_TYPE_NAMES } from '@tk/core';
import { useState } from 'preact/hooks';
import { loadCatalogue } from '../../api/catalogue';
import { api, type RequestBody, unwrap } from '../../api/client';
import { Alert, centsToInput, Field, formatCents, formatDate, parseEuroToCents } from '../../ui';
import { FormDialog } from '../../ui/form-dialog';
import { SelectField, TextAreaField } from '../../ui/select-field';
import { useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import { AMOUNT_TYPES, PROVIDER_TYPES, previewBudget, wholeNumber } from './approval-budget';
import { type Approval, type Beneficiary, listProviders } from './casework-api';
import { OverlapNotice, overlapOf } from './overlap-notice';

const NOTHING_CHANGED = 'Es wurde nichts geändert.';

const signed = (cents: number) =>
  cents > 0 ? `+${formatCents(cents)}` : cents < 0 ? `−${formatCents(-cents)}` : '±0,00 €';

type Values = {
  validFrom: string;
  validTo: string;
  amount: string;
  hours: string;
  hourlyRate: string;
  providerId: string;
  reason: string;
};

function valuesOf(approval: Approval | undefined): Values {
  return {
    validFrom: approval?.validFrom ?? '',
    validTo: approval?.validTo ?? '',
    amount: approval && approval.budgetCents !== null ? centsToInput(approval.budgetCents) : '',
    hours: approval?.hours !== undefined ? String(approval.hours) : '',
    hourlyRate: approval?.hourlyRateCents !== undefined ? centsToInput(approval.hourlyRateCents) : '',
    providerId: approval?.providerId ?? '',
    reason: '',
  };
}

/** What differs from the approval: only these go into the amendment. */
function changesOf(approval: Approval, v: Values): Omit<RequestBody<'amendApproval'>, 'reason'> {
  const type = approval.benefitType;
  const amountCents = parseEuroToCents(v.amount);
  const rateCents = parseEuroToCents(v.hourlyRate);
  const hours = wholeNumber(v.hours);
  return {
    ...(v.validFrom !== approval.validFrom ? { validFrom: v.validFrom } : {}),
    ...(v.validTo !== approval.validTo ? { validTo: v.validTo } : {}),
    ...(AMOUNT_TYPES.includes(type) && amountCents !== null && amountCents !== approval.budgetCents
      ? { amountCents }
      : {}),
    ...(type === 'tutoring' && hours !== null && hours !== approval.hours ? { hours } : {}),
    ...(type === 'tutoring' && rateCents !== null && rateCents !== approval.hourlyRateCents
      ? { hourlyRateCents: rateCents }
      : {}),
    ...(PROVIDER_TYPES.includes(type) && v.providerId !== (approval.providerId ?? '')
      ? { providerId: v.providerId || null }
      : {}),
  };
}

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
  const catalogueLoad = useLoad(() => loadCatalogue(), []);
  const providersLoad = useLoad(listProviders, []);
  const catalogue = catalogueLoad.data;
  const [overlap, setOverlap] = useState<string>();
  const [unchanged, setUnchanged] = useState(false);
  const form = useForm<Values>({
    initial: () => valuesOf(approval),
    resetOn: approval?.id,
    errorKeys: { amount: 'amountCents', hourlyRate: 'hourlyRateCents' },
    validate: (v) => {
      const type = approval?.benefitType;
      const amountCents = parseEuroToCents(v.amount);
      const rateCents = parseEuroToCents(v.hourlyRate);
      return {
        validFrom: v.validFrom ? undefined : 'Bitte das Datum eingeben.',
        validTo: v.validTo ? undefined : 'Bitte das Datum eingeben.',
        amountCents:
          type && AMOUNT_TYPES.includes(type) && (amountCents === null || amountCents <= 0)
            ? 'Bitte einen Betrag wie 285,00 eingeben.'
            : undefined,
        hours: type === 'tutoring' && !wholeNumber(v.hours) ? 'Bitte die Stunden als ganze Zahl eingeben.' : undefined,
        hourlyRateCents:
          type === 'tutoring' && (rateCents === null || rateCents <= 0)
            ? 'Bitte einen Stundensatz wie 18,50 eingeben.'
            : undefined,
        reason: v.reason.trim() ? undefined : 'Bitte den Grund der Änderung angeben.',
      };
    },
    async submit(v) {
      if (!approval) return;
      setOverlap(undefined);
      const changes = changesOf(approval, v);
      setUnchanged(Object.keys(changes).length === 0);
      if (Object.keys(changes).length === 0) return;
      try {
        const amended = unwrap(
          await api.PATCH('/api/v1/approvals/{id}', {
            params: { path: { id: approval.id } },
            body: { ...changes, reason: v.reason.trim() },
          }),
        );
        props.onAmended(amended);
      } catch (err) {
        setOverlap(overlapOf(err));
        throw err;
      }
    },
  });
  const close = () => {
    setOverlap(undefined);
    setUnchanged(false);
    props.onClose();
  };

  if (!approval) return <FormDialog open={false} title="" confirmLabel="" onSubmit={() => {}} onCancel={close} />;

  const { values } = form;
  const type = approval.benefitType;
  const isAmount = AMOUNT_TYPES.includes(type);
  const preview = catalogue
    ? previewBudget(
        catalogue,
        {
          benefitType: type,
          validFrom: values.validFrom,
          validTo: values.validTo,
          amountCents: parseEuroToCents(values.amount),
          hours: wholeNumber(values.hours),
          hourlyRateCents: parseEuroToCents(values.hourlyRate),
        },
        child.birthDate ?? '',
      )
    : undefined;

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

  const budgetEffect = effect();
  const typeProviders = (providersLoad.data ?? []).filter(
    (p) => p.benefitTypes.includes(type) && p.status !== 'suspended',
  );
  const summary = overlap ? undefined : (form.summary ?? (unchanged ? NOTHING_CHANGED : undefined));
  return (
    <FormDialog
      open
      title="Bewilligung ändern"
      confirmLabel="Änderung speichern"
      busy={form.busy}
      error={summary ?? catalogueLoad.error}
      formRef={form.ref}
      onSubmit={() => void form.submit()}
      onCancel={close}
    >
      <p>
        {BENEFIT_TYPE_NAMES[type].long}, bisher {formatDate(approval.validFrom)} – {formatDate(approval.validTo)}.
      </p>
      {overlap && form.summary && (
        <Alert tone="error">
          {form.summary}
          <OverlapNotice existingApprovalId={overlap} />
        </Alert>
      )}
      <div class="form-grid">
        <Field label="Gültig ab" {...form.field('validFrom')} type="date" />
        <Field label="Gültig bis" {...form.field('validTo')} type="date" />
        {isAmount && <Field label="Betrag in Euro" {...form.field('amount')} inputMode="decimal" autocomplete="off" />}
        {type === 'tutoring' && (
          <>
            <Field label="Stunden" {...form.field('hours')} inputMode="numeric" autocomplete="off" />
            <Field label="Stundensatz in Euro" {...form.field('hourlyRate')} inputMode="decimal" autocomplete="off" />
          </>
        )}
        {PROVIDER_TYPES.includes(type) && (
          <SelectField
            label={type === 'tutoring' ? 'Anbieter (Pflicht)' : 'Anbieter (optional)'}
            {...form.control('providerId')}
            {...(type === 'tutoring' ? {} : { placeholder: '– jeder zugelassene Anbieter –' })}
            options={typeProviders.map((p) => ({ value: p.id, label: p.name }))}
          />
        )}
      </div>
      <TextAreaField label="Grund der Änderung" {...form.control('reason')} />
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
