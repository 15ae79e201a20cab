import { useEffect, useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { messageOf } from '../../api/problems';
import { Alert, Button, type Column, Field, formatCents, formatDate, parseEuroToCents, Table } from '../../ui';
import { type FieldErrors, fieldErrorsOf, focusFirstError, summaryOf } from '../../ui/form';
import { SelectField } from '../../ui/select-field';
import { type Catalogue, type CitySettings, centsToInput, TYPE_LABELS } from './admin-api';

type Rate = Catalogue['rates'][number];

/** City settings (grace period, meal price cap, …) and the effective-dated rates of the catalogue. */
export function SettingsPage() {
  const [catalogue, setCatalogue] = useState<Catalogue>();
  const [error, setError] = useState<string>();
  const [reload, setReload] = useState(0);

  useEffect(() => {
    api
      .GET('/api/v1/catalogue', {})
      .then(unwrap)
      .then(setCatalogue)
      .catch((err) => setError(messageOf(err)));
  }, [reload]);

  if (!catalogue) return error ? <Alert tone="error">{error}</Alert> : <p class="muted">Wird geladen …</p>;
  return (
    <>
      <h2>Einstellungen und Sätze</h2>
      <div class="cols">
        <SettingsForm
          key={catalogue.settings.updatedAt}
          settings={catalogue.settings}
          onSaved={() => setReload((n) => n + 1)}
        />
        <RatesCard catalogue={catalogue} onAdded={() => setReload((n) => n + 1)} />
      </div>
      <section class="card" aria-labelledby="bases-title">
        <h3 id="bases-title">Rechtskreise und Kostenträger</h3>
        <div class="form-grid">
          <ul>
            {catalogue.legalBases.map((l) => (
              <li key={l.code}>
                {l.nameDe}
                {l.federalRefund ? ' – Bundeserstattung' : ''}
              </li>
            ))}
          </ul>
          <ul>
            {catalogue.costBearers.map((c) => (
              <li key={c.code}>
                {c.nameDe} <span class="muted">({c.code})</span>
              </li>
            ))}
          </ul>
        </div>
      </section>
    </>
  );
}

function SettingsForm({ settings, onSaved }: { settings: CitySettings; onSaved: () => void }) {
  const [cityName, setCityName] = useState(settings.cityName);
  const [grace, setGrace] = useState(String(settings.gracePeriodMonths));
  const [cap, setCap] = useState(settings.mealPriceCapCents === null ? '' : centsToInput(settings.mealPriceCapCents));
  const [mode, setMode] = useState<string>(settings.participationMode);
  const [meals, setMeals] = useState(String(settings.lunchMealsPerDay));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function submit(event: Event) {
    event.preventDefault();
    const local: FieldErrors = {};
    const graceMonths = /^\d{1,2}$/.test(grace.trim()) ? Number(grace) : Number.NaN;
    if (!(graceMonths >= 0 && graceMonths <= 24)) local.gracePeriodMonths = 'Bitte 0 bis 24 Monate eingeben.';
    const capCents = cap.trim() ? parseEuroToCents(cap) : null;
    if (cap.trim() && (capCents === null || capCents <= 0 || capCents > 10000))
      local.mealPriceCapCents = 'Bitte einen Betrag bis 100,00 eingeben oder leer lassen (keine Obergrenze).';
    if (!cityName.trim()) local.cityName = 'Bitte den Namen der Stadt eingeben.';
    setErrors(local);
    setNotice(undefined);
    if (Object.keys(local).length > 0) {
      setSummary('Bitte die markierten Felder prüfen.');
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    setSummary(undefined);
    try {
      unwrap(
        await api.PATCH('/api/v1/catalogue/settings', {
          body: {
            cityName: cityName.trim(),
            gracePeriodMonths: graceMonths,
            mealPriceCapCents: capCents,
            participationMode: mode as CitySettings['participationMode'],
            lunchMealsPerDay: Number(meals),
          },
        }),
      );
      setNotice('Einstellungen gespeichert.');
      onSaved();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      setSummary(summaryOf(err));
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={form} class="card" onSubmit={submit} noValidate aria-labelledby="settings-title">
      <h3 id="settings-title">Einstellungen der Stadt</h3>
      {notice && <Alert tone="success">{notice}</Alert>}
      {summary && (
        <div class="form-summary" tabIndex={-1}>
          <Alert tone="error">{summary}</Alert>
        </div>
      )}
      <Field
        label="Stadt"
        name="cityName"
        value={cityName}
        onInput={(e) => setCityName(e.currentTarget.value)}
        error={errors.cityName}
      />
      <Field
        label="Nachfrist in Monaten"
        name="gracePeriodMonths"
        inputMode="numeric"
        hint="So lange nach Ende einer Bewilligung können Leistungen aus dem Zeitraum noch gebucht werden."
        value={grace}
        onInput={(e) => setGrace(e.currentTarget.value)}
        error={errors.gracePeriodMonths}
      />
      <Field
        label="Obergrenze Essenspreis in Euro"
        name="mealPriceCap"
        inputMode="decimal"
        hint="Leer lassen für keine Obergrenze."
        value={cap}
        onInput={(e) => setCap(e.currentTarget.value)}
        error={errors.mealPriceCapCents}
      />
      <SelectField
        label="Teilhabe-Budget"
        name="participationMode"
        value={mode}
        options={[
          { value: 'flat', label: 'Pauschale (Monatssatz)' },
          { value: 'capped', label: 'Tatsächliche Kosten bis zum Monatssatz' },
        ]}
        onChange={setMode}
        error={errors.participationMode}
      />
      <SelectField
        label="Mittagessen je Kind und Tag"
        name="lunchMealsPerDay"
        value={meals}
        options={['1', '2', '3'].map((v) => ({ value: v, label: v }))}
        onChange={setMeals}
        error={errors.lunchMealsPerDay}
      />
      <Button type="submit" busy={busy}>
        Einstellungen speichern
      </Button>
    </form>
  );
}

function RatesCard({ catalogue, onAdded }: { catalogue: Catalogue; onAdded: () => void }) {
  const [benefitType, setBenefitType] = useState('participation');
  const [validFrom, setValidFrom] = useState('');
  const [amount, setAmount] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const rates = [...catalogue.rates].sort(
    (a, b) => a.benefitType.localeCompare(b.benefitType) || b.validFrom.localeCompare(a.validFrom),
  );
  const columns: Column<Rate>[] = [
    { header: 'Leistung', cell: (r) => TYPE_LABELS[r.benefitType] ?? r.benefitType },
    { header: 'gültig ab', cell: (r) => formatDate(r.validFrom) },
    { header: 'Satz', numeric: true, cell: (r) => formatCents(r.amountCents) },
  ];

  async function submit(event: Event) {
    event.preventDefault();
    const cents = parseEuroToCents(amount);
    const local: FieldErrors = {};
    if (!validFrom) local.validFrom = 'Bitte das Datum eingeben.';
    if (cents === null || cents <= 0) local.amountCents = 'Bitte einen Betrag wie 20,00 eingeben.';
    setErrors(local);
    setNotice(undefined);
    if (Object.keys(local).length > 0 || cents === null) {
      setSummary('Bitte die markierten Felder prüfen.');
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    setSummary(undefined);
    try {
      unwrap(await api.POST('/api/v1/catalogue/rates', { body: { benefitType, validFrom, amountCents: cents } }));
      setNotice(`Neuer Satz ${formatCents(cents)} ab ${formatDate(validFrom)} gespeichert.`);
      setAmount('');
      setValidFrom('');
      onAdded();
    } catch (err) {
      setErrors(fieldErrorsOf(err, ['benefitType', 'validFrom', 'amountCents']));
      setSummary(summaryOf(err));
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="rates-title">
      <h3 id="rates-title">Sätze</h3>
      <p class="muted">Sätze gelten ab einem Datum und werden nie geändert; ein neuer Satz ergänzt die Liste.</p>
      <Table
        caption="Gültige und frühere Sätze"
        columns={columns}
        rows={rates}
        rowKey={(r) => `${r.benefitType}-${r.validFrom}`}
      />
      <form ref={form} onSubmit={submit} noValidate aria-labelledby="rate-form-title">
        <h4 id="rate-form-title">Neuen Satz hinzufügen</h4>
        {notice && <Alert tone="success">{notice}</Alert>}
        {summary && (
          <div class="form-summary" tabIndex={-1}>
            <Alert tone="error">{summary}</Alert>
          </div>
        )}
        <SelectField
          label="Leistung"
          name="benefitType"
          value={benefitType}
          options={catalogue.benefitTypes.map((b) => ({ value: b.code, label: TYPE_LABELS[b.code] ?? b.nameDe }))}
          onChange={setBenefitType}
          error={errors.benefitType}
        />
        <Field
          label="gültig ab"
          name="validFrom"
          type="date"
          value={validFrom}
          onInput={(e) => setValidFrom(e.currentTarget.value)}
          error={errors.validFrom}
        />
        <Field
          label="Betrag in Euro"
          name="amount"
          inputMode="decimal"
          placeholder="z. B. 20,00"
          hint={benefitType === 'participation' ? 'Teilhabe: Satz je Monat' : undefined}
          value={amount}
          onInput={(e) => setAmount(e.currentTarget.value)}
          error={errors.amountCents}
        />
        <Button type="submit" busy={busy}>
          Satz hinzufügen
        </Button>
      </form>
    </section>
  );
}
