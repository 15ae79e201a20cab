import { BENEFIT_TYPE_NAMES, type BenefitType, benefitTypeName, PARTICIPATION_MODE_NAMES } from '@tk/core';
import { type Catalogue, loadCatalogue } from '../../api/catalogue';
import { api, unwrap } from '../../api/client';
import {
  Alert,
  Button,
  type Column,
  centsToInput,
  Field,
  formatCents,
  formatDate,
  parseEuroToCents,
  Table,
} from '../../ui';
import { FormSummary } from '../../ui/form-summary';
import { SelectField, TextAreaField } from '../../ui/select-field';
import { type FieldErrors, useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import type { CitySettings } from './admin-api';

type Rate = Catalogue['rates'][number];

/** City settings (grace period, meal price cap, …) and the effective-dated rates of the catalogue. */
export function SettingsPage() {
  // Fresh on every visit and after each change: the other sections then read the new catalogue too.
  const { data: catalogue, error, reload } = useLoad(() => loadCatalogue(true), []);

  if (!catalogue) return error ? <Alert tone="error">{error}</Alert> : <p class="muted">Wird geladen …</p>;
  return (
    <>
      <h2>Einstellungen und Sätze</h2>
      <div class="cols">
        <SettingsForm key={catalogue.settings.updatedAt} settings={catalogue.settings} onSaved={reload} />
        <RatesCard catalogue={catalogue} onAdded={reload} />
      </div>
      <DistrictsForm key={`d-${catalogue.settings.updatedAt}`} settings={catalogue.settings} onSaved={reload} />
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
  const form = useForm({
    initial: {
      cityName: settings.cityName,
      gracePeriodMonths: String(settings.gracePeriodMonths),
      mealPriceCap: settings.mealPriceCapCents === null ? '' : centsToInput(settings.mealPriceCapCents),
      participationMode: settings.participationMode as string,
      lunchMealsPerDay: String(settings.lunchMealsPerDay),
    },
    errorKeys: { mealPriceCap: 'mealPriceCapCents' },
    validate(v) {
      const errors: FieldErrors = {};
      if (graceMonthsOf(v.gracePeriodMonths) === null) errors.gracePeriodMonths = 'Bitte 0 bis 24 Monate eingeben.';
      const capCents = v.mealPriceCap.trim() ? parseEuroToCents(v.mealPriceCap) : null;
      if (v.mealPriceCap.trim() && (capCents === null || capCents <= 0 || capCents > 10000))
        errors.mealPriceCapCents = 'Bitte einen Betrag bis 100,00 eingeben oder leer lassen (keine Obergrenze).';
      if (!v.cityName.trim()) errors.cityName = 'Bitte den Namen der Stadt eingeben.';
      return errors;
    },
    async submit(v) {
      unwrap(
        await api.PATCH('/api/v1/catalogue/settings', {
          body: {
            cityName: v.cityName.trim(),
            gracePeriodMonths: graceMonthsOf(v.gracePeriodMonths) ?? settings.gracePeriodMonths,
            mealPriceCapCents: v.mealPriceCap.trim() ? parseEuroToCents(v.mealPriceCap) : null,
            participationMode: v.participationMode as CitySettings['participationMode'],
            lunchMealsPerDay: Number(v.lunchMealsPerDay),
          },
        }),
      );
      onSaved();
      return 'Einstellungen gespeichert.';
    },
  });

  return (
    <form ref={form.ref} class="card" onSubmit={form.submit} noValidate aria-labelledby="settings-title">
      <h3 id="settings-title">Einstellungen der Stadt</h3>
      {form.notice && <Alert tone="success">{form.notice}</Alert>}
      <FormSummary text={form.summary} />
      <Field label="Stadt" {...form.field('cityName')} />
      <Field
        label="Nachfrist in Monaten"
        {...form.field('gracePeriodMonths')}
        inputMode="numeric"
        hint="So lange nach Ende einer Bewilligung können Leistungen aus dem Zeitraum noch gebucht werden."
      />
      <Field
        label="Obergrenze Essenspreis in Euro"
        {...form.field('mealPriceCap')}
        inputMode="decimal"
        hint="Leer lassen für keine Obergrenze."
      />
      <SelectField
        label="Teilhabe-Budget"
        {...form.control('participationMode')}
        options={Object.entries(PARTICIPATION_MODE_NAMES).map(([value, label]) => ({ value, label }))}
      />
      <SelectField
        label="Mittagessen je Kind und Tag"
        {...form.control('lunchMealsPerDay')}
        options={['1', '2', '3'].map((v) => ({ value: v, label: v }))}
      />
      <Button type="submit" busy={form.busy}>
        Einstellungen speichern
      </Button>
    </form>
  );
}

function RatesCard({ catalogue, onAdded }: { catalogue: Catalogue; onAdded: () => void }) {
  const form = useForm({
    initial: { benefitType: 'participation', validFrom: '', amount: '' },
    errorKeys: { amount: 'amountCents' },
    validate: (v) => {
      const cents = parseEuroToCents(v.amount);
      return {
        validFrom: v.validFrom ? undefined : 'Bitte das Datum eingeben.',
        amountCents: cents === null || cents <= 0 ? 'Bitte einen Betrag wie 20,00 eingeben.' : undefined,
      };
    },
    async submit(v, self) {
      const amountCents = parseEuroToCents(v.amount) ?? 0;
      unwrap(
        await api.POST('/api/v1/catalogue/rates', {
          body: { benefitType: v.benefitType, validFrom: v.validFrom, amountCents },
        }),
      );
      self.reset({ ...v, validFrom: '', amount: '' });
      onAdded();
      return `Neuer Satz ${formatCents(amountCents)} ab ${formatDate(v.validFrom)} gespeichert.`;
    },
  });
  const rates = [...catalogue.rates].sort(
    (a, b) => a.benefitType.localeCompare(b.benefitType) || b.validFrom.localeCompare(a.validFrom),
  );
  const columns: Column<Rate>[] = [
    { header: 'Leistung', cell: (r) => benefitTypeName(r.benefitType) },
    { header: 'gültig ab', cell: (r) => formatDate(r.validFrom) },
    { header: 'Satz', numeric: true, cell: (r) => formatCents(r.amountCents) },
  ];

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
      <form ref={form.ref} onSubmit={form.submit} noValidate aria-labelledby="rate-form-title">
        <h4 id="rate-form-title">Neuen Satz hinzufügen</h4>
        {form.notice && <Alert tone="success">{form.notice}</Alert>}
        <FormSummary text={form.summary} />
        <SelectField
          label="Leistung"
          {...form.control('benefitType')}
          options={catalogue.benefitTypes.map((b) => ({
            value: b.code,
            label: BENEFIT_TYPE_NAMES[b.code as BenefitType]?.name ?? b.nameDe,
          }))}
        />
        <Field label="gültig ab" {...form.field('validFrom')} type="date" />
        <Field
          label="Betrag in Euro"
          {...form.field('amount')}
          inputMode="decimal"
          placeholder="z. B. 20,00"
          hint={form.values.benefitType === 'participation' ? 'Teilhabe: Satz je Monat' : undefined}
        />
        <Button type="submit" busy={form.busy}>
          Satz hinzufügen
        </Button>
      </form>
    </section>
  );
}

/** 0 to 24 months as a whole number, else `null`. */
function graceMonthsOf(text: string): number | null {
  const months = /^\d{1,2}$/.test(text.trim()) ? Number(text) : Number.NaN;
  return months >= 0 && months <= 24 ? months : null;
}

/** The city's districts (one per line) and the outreach weeks. */
function DistrictsForm({ settings, onSaved }: { settings: CitySettings; onSaved: () => void }) {
  const form = useForm({
    initial: { districts: settings.districts.join('\n'), outreachWeeks: String(settings.outreachWeeks) },
    validate(v) {
      const errors: FieldErrors = {};
      const weeks = /^\d{1,2}$/.test(v.outreachWeeks.trim()) ? Number(v.outreachWeeks) : Number.NaN;
      if (!(weeks >= 1 && weeks <= 52)) errors.outreachWeeks = 'Bitte 1 bis 52 Wochen eingeben.';
      const list = linesOf(v.districts);
      if (new Set(list).size !== list.length) errors.districts = 'Jeder Stadtbezirk darf nur einmal vorkommen.';
      if (list.some((d) => d.length > 80)) errors.districts = 'Ein Stadtbezirk hat höchstens 80 Zeichen.';
      return errors;
    },
    async submit(v) {
      unwrap(
        await api.PATCH('/api/v1/catalogue/settings', {
          body: { districts: linesOf(v.districts), outreachWeeks: Number(v.outreachWeeks) },
        }),
      );
      onSaved();
      return 'Stadtbezirke gespeichert.';
    },
  });
  return (
    <form ref={form.ref} class="card" onSubmit={form.submit} noValidate aria-labelledby="districts-title">
      <h3 id="districts-title">Stadtbezirke und Ansprache</h3>
      {form.notice && <Alert tone="success">{form.notice}</Alert>}
      <FormSummary text={form.summary} />
      <TextAreaField
        label="Stadtbezirke / Sozialräume"
        {...form.control('districts')}
        rows={5}
        hint="Einer je Zeile. Die Fallbearbeitung kann einem Kind einen davon zuordnen (freiwillig)."
      />
      <Field
        label="Ansprache nach Wochen ohne Buchung"
        {...form.field('outreachWeeks')}
        inputMode="numeric"
        hint="Kinder ohne Buchung so viele Wochen nach Beginn der Bewilligung stehen in der Liste „Noch nicht genutzt“."
      />
      <Button type="submit" busy={form.busy}>
        Stadtbezirke speichern
      </Button>
    </form>
  );
}

const linesOf = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
