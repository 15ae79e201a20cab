import { addDays, addMonths, BENEFIT_TYPE_NAMES, berlinDate, LEGAL_BASIS_NAMES } from '@tk/core';
import { useEffect, useState } from 'preact/hooks';
import { loadCatalogue } from '../../api/catalogue';
import { api, type RequestBody, unwrap } from '../../api/client';
import { Alert, Button, centsToInput, Field, parseEuroToCents } from '../../ui';
import { FormSummary } from '../../ui/form-summary';
import { SelectField } from '../../ui/select-field';
import { type FieldErrors, useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import { AMOUNT_TYPES, PROVIDER_TYPES, previewBudget, ratesOf, wholeNumber } from './approval-budget';
import {
  type Approval,
  type Beneficiary,
  type BenefitTypeCode,
  type LegalBasisCode,
  listProviders,
} from './casework-api';
import { OverlapNotice, overlapOf } from './overlap-notice';

/** First day of the current month, and one year of validity from there (the usual approval period). */
function defaultPeriod(): { validFrom: string; validTo: string } {
  const validFrom = `${berlinDate(new Date()).slice(0, 8)}01`;
  return { validFrom, validTo: addDays(addMonths(validFrom, 12), -1) };
}

/**
 * Record an approval. Defaults come from the catalogue (rates, legal bases, cost bearers); the form
 * previews the budget (participation: months × monthly rate; tutoring: hours × hourly rate; trip: the
 * amount), and the server computes the binding budget on save.
 */
export function ApprovalForm(props: { child: Beneficiary; onSaved: (a: Approval) => void; onCancel: () => void }) {
  const catalogueLoad = useLoad(() => loadCatalogue(), []);
  const providersLoad = useLoad(listProviders, []);
  const catalogue = catalogueLoad.data;
  const loadError = catalogueLoad.error ?? providersLoad.error;
  /** The approval a refused save overlaps (409 `approval_overlaps`): the summary links to it. */
  const [overlap, setOverlap] = useState<string>();
  const form = useForm({
    initial: (): Values => ({
      benefitType: 'participation',
      legalBasis: 'SGB_II',
      costBearer: '',
      ...defaultPeriod(),
      providerId: '',
      amount: '',
      hours: '',
      hourlyRate: '',
      subject: '',
      reference: '',
    }),
    errorKeys: { amount: 'amountCents', hourlyRate: 'hourlyRateCents' },
    validate,
    submit: async (v) => {
      setOverlap(undefined);
      try {
        const approval = unwrap(
          await api.POST('/api/v1/beneficiaries/{id}/approvals', {
            params: { path: { id: props.child.id } },
            body: bodyOf(v),
          }),
        );
        props.onSaved(approval);
      } catch (err) {
        setOverlap(overlapOf(err));
        throw err;
      }
    },
  });
  const { values } = form;

  useEffect(() => {
    form.ref.current?.querySelector<HTMLElement>('select')?.focus();
  }, []);

  const isAmount = AMOUNT_TYPES.includes(values.benefitType);
  const typeProviders = (providersLoad.data ?? []).filter(
    (p) => p.benefitTypes.includes(values.benefitType) && p.status !== 'suspended',
  );
  const amountCents = parseEuroToCents(values.amount);
  const rateCents = parseEuroToCents(values.hourlyRate);
  const hourCount = wholeNumber(values.hours);

  /** Another benefit type starts the type's fields afresh; a cash type gets the catalogue amount. */
  function changeBenefitType(benefitType: BenefitTypeCode) {
    const rate = catalogue && AMOUNT_TYPES.includes(benefitType) ? ratesOf(catalogue, benefitType).at(-1) : undefined;
    form.reset({ ...values, benefitType, providerId: '', amount: rate ? centsToInput(rate.amountCents) : '' });
  }

  function changeValidFrom(validFrom: string) {
    // Keep a one-year period while the end was not changed by hand.
    const oneYear = values.validTo === addDays(addMonths(values.validFrom, 12), -1);
    const validTo =
      oneYear && /^\d{4}-\d{2}-\d{2}$/.test(validFrom) ? addDays(addMonths(validFrom, 12), -1) : values.validTo;
    form.update({ validFrom, validTo });
  }

  function preview(): string | undefined {
    if (!catalogue) return undefined;
    return previewBudget(
      catalogue,
      {
        benefitType: values.benefitType,
        validFrom: values.validFrom,
        validTo: values.validTo,
        amountCents,
        hours: hourCount,
        hourlyRateCents: rateCents,
      },
      props.child.birthDate ?? '',
    ).text;
  }

  const previewText = preview();
  const { benefitType } = values;
  return (
    <form
      ref={form.ref}
      class="card"
      onSubmit={form.submit}
      noValidate
      aria-labelledby="approval-form-title"
      data-testid="approval-form"
    >
      <h3 id="approval-form-title">Neue Bewilligung</h3>
      {loadError && <Alert tone="error">{loadError}</Alert>}
      <FormSummary text={form.summary}>{overlap && <OverlapNotice existingApprovalId={overlap} />}</FormSummary>
      <div class="form-grid">
        <SelectField
          label="Leistungsart"
          {...form.control('benefitType')}
          options={Object.entries(BENEFIT_TYPE_NAMES).map(([value, n]) => ({ value, label: n.long }))}
          onChange={(v) => changeBenefitType(v as BenefitTypeCode)}
        />
        <SelectField
          label="Rechtskreis"
          {...form.control('legalBasis')}
          options={(catalogue?.legalBases ?? []).map((l) => ({
            value: l.code,
            label: LEGAL_BASIS_NAMES[l.code as LegalBasisCode]?.name ?? l.nameDe,
          }))}
        />
        <Field
          label="Gültig ab"
          {...form.field('validFrom')}
          type="date"
          onInput={(e) => changeValidFrom(e.currentTarget.value)}
        />
        <Field label="Gültig bis" {...form.field('validTo')} type="date" />
        <SelectField
          label="Kostenträger"
          {...form.control('costBearer')}
          placeholder="– nicht angegeben –"
          options={(catalogue?.costBearers ?? []).map((c) => ({ value: c.code, label: c.nameDe }))}
        />
        {PROVIDER_TYPES.includes(benefitType) && (
          <SelectField
            label={benefitType === 'tutoring' ? 'Anbieter (Pflicht)' : 'Anbieter (optional)'}
            {...form.control('providerId')}
            placeholder={benefitType === 'tutoring' ? '– bitte wählen –' : '– jeder zugelassene Anbieter –'}
            options={typeProviders.map((p) => ({ value: p.id, label: p.name }))}
            hint={benefitType === 'tutoring' ? undefined : 'Mit Anbieter ist die Leistung nur dort einlösbar.'}
          />
        )}
        {isAmount && (
          <Field
            label="Betrag in Euro"
            {...form.field('amount')}
            inputMode="decimal"
            autocomplete="off"
            placeholder="z. B. 285,00"
          />
        )}
        {benefitType === 'tutoring' && (
          <>
            <Field label="Stunden" {...form.field('hours')} inputMode="numeric" autocomplete="off" />
            <Field
              label="Stundensatz in Euro"
              {...form.field('hourlyRate')}
              inputMode="decimal"
              autocomplete="off"
              placeholder="z. B. 18,50"
            />
            <Field label="Fach" {...form.field('subject')} autocomplete="off" />
          </>
        )}
        <Field
          label={benefitType === 'trip' ? 'Bezeichnung / Bescheid (optional)' : 'Bescheid-Nr. (optional)'}
          {...form.field('reference')}
          autocomplete="off"
        />
      </div>
      {previewText && (
        <p class="preview" aria-live="polite" data-testid="budget-preview">
          <strong>Vorschau:</strong> {previewText}
          {benefitType !== 'lunch' && (
            <span class="cell-sub">Das verbindliche Budget berechnet der Server beim Speichern.</span>
          )}
        </p>
      )}
      <div class="form-actions">
        <Button type="submit" busy={form.busy}>
          Bewilligung speichern
        </Button>
        <Button variant="ghost" onClick={props.onCancel}>
          Abbrechen
        </Button>
      </div>
    </form>
  );
}

type Values = {
  benefitType: BenefitTypeCode;
  legalBasis: LegalBasisCode;
  costBearer: string;
  validFrom: string;
  validTo: string;
  providerId: string;
  amount: string;
  hours: string;
  hourlyRate: string;
  subject: string;
  reference: string;
};

function validate(v: Values): FieldErrors {
  const errors: FieldErrors = {};
  const amountCents = parseEuroToCents(v.amount);
  const rateCents = parseEuroToCents(v.hourlyRate);
  if (!v.validFrom) errors.validFrom = 'Bitte das Datum eingeben.';
  if (!v.validTo) errors.validTo = 'Bitte das Datum eingeben.';
  if (AMOUNT_TYPES.includes(v.benefitType) && (amountCents === null || amountCents <= 0))
    errors.amountCents = 'Bitte einen Betrag wie 285,00 eingeben.';
  if (v.benefitType === 'tutoring') {
    if (!v.providerId) errors.providerId = 'Lernförderung braucht einen benannten Anbieter.';
    if (!wholeNumber(v.hours)) errors.hours = 'Bitte die Stunden als ganze Zahl eingeben.';
    if (rateCents === null || rateCents <= 0) errors.hourlyRateCents = 'Bitte einen Stundensatz wie 18,50 eingeben.';
  }
  return errors;
}

/** The request body: only the fields the benefit type has. */
function bodyOf(v: Values): RequestBody<'createApproval'> {
  const amountCents = parseEuroToCents(v.amount);
  const rateCents = parseEuroToCents(v.hourlyRate);
  const hours = wholeNumber(v.hours);
  const tutoring = v.benefitType === 'tutoring';
  return {
    benefitType: v.benefitType,
    legalBasis: v.legalBasis,
    validFrom: v.validFrom,
    validTo: v.validTo,
    ...(v.costBearer ? { costBearer: v.costBearer } : {}),
    ...(v.providerId && PROVIDER_TYPES.includes(v.benefitType) ? { providerId: v.providerId } : {}),
    ...(AMOUNT_TYPES.includes(v.benefitType) && amountCents ? { amountCents } : {}),
    ...(tutoring && hours && rateCents ? { hours, hourlyRateCents: rateCents } : {}),
    ...(tutoring && v.subject.trim() ? { subject: v.subject.trim() } : {}),
    ...(v.reference.trim() ? { reference: v.reference.trim() } : {}),
  };
}
