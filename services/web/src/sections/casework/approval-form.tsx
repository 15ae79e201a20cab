import { addDays, addMonths, berlinDate } from '@tk/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { messageOf } from '../../api/problems';
import { Alert, Button, Field, formatCents, parseEuroToCents } from '../../ui';
import { type FieldErrors, fieldErrorsOf, focusFirstError, summaryOf } from '../../ui/form';
import { SelectField } from '../../ui/select-field';
import { AMOUNT_TYPES, centsToInput, PROVIDER_TYPES, previewBudget, ratesOf } from './approval-budget';
import {
  type Approval,
  BENEFIT_LABELS,
  type Beneficiary,
  type BenefitTypeCode,
  type Catalogue,
  LEGAL_BASIS_LABELS,
  type LegalBasisCode,
  loadCatalogue,
  type Provider,
} from './casework-api';
import { OverlapNotice, overlapOf } from './overlap-notice';

const FIELDS = [
  'benefitType',
  'legalBasis',
  'costBearer',
  'validFrom',
  'validTo',
  'providerId',
  'amountCents',
  'hours',
  'hourlyRateCents',
  'subject',
  'reference',
] as const;

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
  const [catalogue, setCatalogue] = useState<Catalogue>();
  const [providers, setProviders] = useState<Provider[]>([]);
  const [loadError, setLoadError] = useState<string>();
  const period = defaultPeriod();
  const [benefitType, setBenefitType] = useState<BenefitTypeCode>('participation');
  const [legalBasis, setLegalBasis] = useState<LegalBasisCode>('SGB_II');
  const [costBearer, setCostBearer] = useState('');
  const [validFrom, setValidFrom] = useState(period.validFrom);
  const [validTo, setValidTo] = useState(period.validTo);
  const [providerId, setProviderId] = useState('');
  const [amount, setAmount] = useState('');
  const [hours, setHours] = useState('');
  const [hourlyRate, setHourlyRate] = useState('');
  const [subject, setSubject] = useState('');
  const [reference, setReference] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [overlap, setOverlap] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  /** A field's error goes away as soon as the field is changed. */
  const clear = (field: string) =>
    setErrors((e) => {
      if (!(field in e)) return e;
      const { [field]: _, ...rest } = e;
      return rest;
    });

  useEffect(() => {
    loadCatalogue()
      .then(setCatalogue)
      .catch((err) => setLoadError(messageOf(err)));
    api
      .GET('/api/v1/providers', {})
      .then(unwrap)
      .then((list) => setProviders(list.items))
      .catch((err) => setLoadError(messageOf(err)));
    form.current?.querySelector<HTMLElement>('select')?.focus();
  }, []);

  // A catalogue amount for the cash-only types (e.g. Schulbedarf) is a sensible default.
  useEffect(() => {
    if (!catalogue || !AMOUNT_TYPES.includes(benefitType)) return;
    const rate = ratesOf(catalogue, benefitType).at(-1);
    if (rate && amount === '') setAmount(centsToInput(rate.amountCents));
  }, [benefitType, catalogue]);

  const isAmount = AMOUNT_TYPES.includes(benefitType);
  const typeProviders = providers.filter((p) => p.benefitTypes.includes(benefitType) && p.status !== 'suspended');
  const amountCents = parseEuroToCents(amount);
  const rateCents = parseEuroToCents(hourlyRate);
  const hourCount = /^\d{1,4}$/.test(hours.trim()) ? Number(hours.trim()) : null;

  function changeValidFrom(value: string) {
    // Keep a one-year period while the end was not changed by hand.
    if (validTo === addDays(addMonths(validFrom, 12), -1) && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
      setValidTo(addDays(addMonths(value, 12), -1));
    }
    setValidFrom(value);
  }

  function preview(): string | undefined {
    if (!catalogue) return undefined;
    return previewBudget(
      catalogue,
      { benefitType, validFrom, validTo, amountCents, hours: hourCount, hourlyRateCents: rateCents },
      props.child.birthDate,
    ).text;
  }

  function validate(): FieldErrors {
    const next: FieldErrors = {};
    if (!validFrom) next.validFrom = 'Bitte das Datum eingeben.';
    if (!validTo) next.validTo = 'Bitte das Datum eingeben.';
    if (isAmount && (amountCents === null || amountCents <= 0))
      next.amountCents = 'Bitte einen Betrag wie 285,00 eingeben.';
    if (benefitType === 'tutoring') {
      if (!providerId) next.providerId = 'Lernförderung braucht einen benannten Anbieter.';
      if (!hourCount) next.hours = 'Bitte die Stunden als ganze Zahl eingeben.';
      if (rateCents === null || rateCents <= 0) next.hourlyRateCents = 'Bitte einen Stundensatz wie 18,50 eingeben.';
    }
    return next;
  }

  async function submit(event: Event) {
    event.preventDefault();
    const local = validate();
    setErrors(local);
    if (Object.keys(local).length > 0) {
      setSummary('Bitte die markierten Felder prüfen.');
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    setSummary(undefined);
    setOverlap(undefined);
    try {
      const approval = unwrap(
        await api.POST('/api/v1/beneficiaries/{id}/approvals', {
          params: { path: { id: props.child.id } },
          body: {
            benefitType,
            legalBasis,
            validFrom,
            validTo,
            ...(costBearer ? { costBearer } : {}),
            ...(providerId && PROVIDER_TYPES.includes(benefitType) ? { providerId } : {}),
            ...(isAmount && amountCents ? { amountCents } : {}),
            ...(benefitType === 'tutoring' && hourCount && rateCents
              ? { hours: hourCount, hourlyRateCents: rateCents }
              : {}),
            ...(benefitType === 'tutoring' && subject.trim() ? { subject: subject.trim() } : {}),
            ...(reference.trim() ? { reference: reference.trim() } : {}),
          },
        }),
      );
      props.onSaved(approval);
    } catch (err) {
      setErrors(fieldErrorsOf(err, FIELDS));
      setOverlap(overlapOf(err));
      setSummary(summaryOf(err));
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  const previewText = preview();
  return (
    <form
      ref={form}
      class="card"
      onSubmit={submit}
      noValidate
      aria-labelledby="approval-form-title"
      data-testid="approval-form"
    >
      <h3 id="approval-form-title">Neue Bewilligung</h3>
      {loadError && <Alert tone="error">{loadError}</Alert>}
      {summary && (
        <div class="form-summary" tabIndex={-1}>
          {overlap ? <OverlapNotice existingApprovalId={overlap} /> : <Alert tone="error">{summary}</Alert>}
        </div>
      )}
      <div class="form-grid">
        <SelectField
          label="Leistungsart"
          name="benefitType"
          value={benefitType}
          options={Object.entries(BENEFIT_LABELS).map(([value, label]) => ({ value, label }))}
          onChange={(v) => {
            setBenefitType(v as BenefitTypeCode);
            setProviderId('');
            setAmount('');
            setErrors({});
            setSummary(undefined);
          }}
          error={errors.benefitType}
        />
        <SelectField
          label="Rechtskreis"
          name="legalBasis"
          value={legalBasis}
          options={(catalogue?.legalBases ?? []).map((l) => ({
            value: l.code,
            label: LEGAL_BASIS_LABELS[l.code as LegalBasisCode] ?? l.nameDe,
          }))}
          onChange={(v) => setLegalBasis(v as LegalBasisCode)}
          error={errors.legalBasis}
        />
        <Field
          label="Gültig ab"
          name="validFrom"
          type="date"
          value={validFrom}
          onInput={(e) => {
            clear('validFrom');
            clear('validTo');
            changeValidFrom(e.currentTarget.value);
          }}
          error={errors.validFrom}
        />
        <Field
          label="Gültig bis"
          name="validTo"
          type="date"
          value={validTo}
          onInput={(e) => {
            clear('validTo');
            setValidTo(e.currentTarget.value);
          }}
          error={errors.validTo}
        />
        <SelectField
          label="Kostenträger"
          name="costBearer"
          value={costBearer}
          placeholder="– nicht angegeben –"
          options={(catalogue?.costBearers ?? []).map((c) => ({ value: c.code, label: c.nameDe }))}
          onChange={setCostBearer}
          error={errors.costBearer}
        />
        {PROVIDER_TYPES.includes(benefitType) && (
          <SelectField
            label={benefitType === 'tutoring' ? 'Anbieter (Pflicht)' : 'Anbieter (optional)'}
            name="providerId"
            value={providerId}
            placeholder={benefitType === 'tutoring' ? '– bitte wählen –' : '– jeder zugelassene Anbieter –'}
            options={typeProviders.map((p) => ({ value: p.id, label: p.name }))}
            onChange={(v) => {
              clear('providerId');
              setProviderId(v);
            }}
            hint={benefitType === 'tutoring' ? undefined : 'Mit Anbieter ist die Leistung nur dort einlösbar.'}
            error={errors.providerId}
          />
        )}
        {isAmount && (
          <Field
            label="Betrag in Euro"
            name="amount"
            inputMode="decimal"
            autocomplete="off"
            placeholder="z. B. 285,00"
            value={amount}
            onInput={(e) => {
              clear('amountCents');
              setAmount(e.currentTarget.value);
            }}
            error={errors.amountCents}
          />
        )}
        {benefitType === 'tutoring' && (
          <>
            <Field
              label="Stunden"
              name="hours"
              inputMode="numeric"
              autocomplete="off"
              value={hours}
              onInput={(e) => {
                clear('hours');
                setHours(e.currentTarget.value);
              }}
              error={errors.hours}
            />
            <Field
              label="Stundensatz in Euro"
              name="hourlyRate"
              inputMode="decimal"
              autocomplete="off"
              placeholder="z. B. 18,50"
              value={hourlyRate}
              onInput={(e) => {
                clear('hourlyRateCents');
                setHourlyRate(e.currentTarget.value);
              }}
              error={errors.hourlyRateCents}
            />
            <Field
              label="Fach"
              name="subject"
              autocomplete="off"
              value={subject}
              onInput={(e) => setSubject(e.currentTarget.value)}
              error={errors.subject}
            />
          </>
        )}
        <Field
          label={benefitType === 'trip' ? 'Bezeichnung / Bescheid (optional)' : 'Bescheid-Nr. (optional)'}
          name="reference"
          autocomplete="off"
          value={reference}
          onInput={(e) => setReference(e.currentTarget.value)}
          error={errors.reference}
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
        <Button type="submit" busy={busy}>
          Bewilligung speichern
        </Button>
        <Button variant="ghost" onClick={props.onCancel}>
          Abbrechen
        </Button>
      </div>
    </form>
  );
}
