import { BENEFIT_TYPE_NAMES, type BenefitType, benefitTypeName, PARTICIPATION_MODE_NAMES } from '@tk/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Catalogue, loadCatalogue } from '../../api/catalogue';
import { api, unwrap } from '../../api/client';
import { germanMessage, messageOf } from '../../api/problems';
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
      <LogoCard />
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
      cardTitle: settings.cardTitle,
      gracePeriodMonths: String(settings.gracePeriodMonths),
      mealPriceCap: settings.mealPriceCapCents === null ? '' : centsToInput(settings.mealPriceCapCents),
      participationMode: settings.participationMode as string,
      lunchMealsPerDay: String(settings.lunchMealsPerDay),
      maxStaffPerProvider: String(settings.maxStaffPerProvider),
      office: settings.address.office ?? '',
      street: settings.address.street ?? '',
      postalCode: settings.address.postalCode ?? '',
      town: settings.address.town ?? '',
    },
    errorKeys: { mealPriceCap: 'mealPriceCapCents' },
    validate(v) {
      const errors: FieldErrors = {};
      if (graceMonthsOf(v.gracePeriodMonths) === null) errors.gracePeriodMonths = 'Bitte 0 bis 24 Monate eingeben.';
      const capCents = v.mealPriceCap.trim() ? parseEuroToCents(v.mealPriceCap) : null;
      if (v.mealPriceCap.trim() && (capCents === null || capCents <= 0 || capCents > 10000))
        errors.mealPriceCapCents = 'Bitte einen Betrag bis 100,00 eingeben oder leer lassen (keine Obergrenze).';
      if (!v.cityName.trim()) errors.cityName = 'Bitte den Namen der Stadt eingeben.';
      const staff = Number(v.maxStaffPerProvider);
      if (!/^\d+$/.test(v.maxStaffPerProvider.trim()) || staff < 1 || staff > 1000)
        errors.maxStaffPerProvider = 'Bitte eine Zahl von 1 bis 1000 eingeben.';
      if (!v.cardTitle.trim() || v.cardTitle.trim().length > 40)
        errors.cardTitle = 'Bitte einen Titel mit höchstens 40 Zeichen eingeben.';
      if (v.postalCode.trim() && !/^\d{5}$/.test(v.postalCode.trim()))
        errors.postalCode = 'Bitte eine Postleitzahl mit fünf Ziffern eingeben oder leer lassen.';
      return errors;
    },
    async submit(v) {
      unwrap(
        await api.PATCH('/api/v1/catalogue/settings', {
          body: {
            cityName: v.cityName.trim(),
            cardTitle: v.cardTitle.trim(),
            gracePeriodMonths: graceMonthsOf(v.gracePeriodMonths) ?? settings.gracePeriodMonths,
            mealPriceCapCents: v.mealPriceCap.trim() ? parseEuroToCents(v.mealPriceCap) : null,
            participationMode: v.participationMode as CitySettings['participationMode'],
            lunchMealsPerDay: Number(v.lunchMealsPerDay),
            maxStaffPerProvider: Number(v.maxStaffPerProvider),
            address: {
              office: v.office.trim() || null,
              street: v.street.trim() || null,
              postalCode: v.postalCode.trim() || null,
              town: v.town.trim() || null,
            },
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
        label="Titel auf der Karte"
        {...form.field('cardTitle')}
        hint="Neutral: sagt, wessen Karte es ist, nicht welche Leistung (z. B. „Kinder- und Jugendkarte“)."
      />
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
      <Field
        label="Konten je Anbieter höchstens"
        {...form.field('maxStaffPerProvider')}
        inputMode="numeric"
        hint="Aktive Konten (Verwaltung und Personal) eines Anbieters; begrenzt auch das Raten von Kartennummern."
      />
      <fieldset>
        <legend>Anschrift der ausstellenden Stelle</legend>
        <p class="field-hint">Steht auf den Gutschriften an die Anbieter.</p>
        <Field label="Amt / Dienststelle" {...form.field('office')} placeholder="z. B. Amt für Soziales" />
        <Field label="Straße und Hausnummer" {...form.field('street')} />
        <div class="form-grid">
          <Field label="Postleitzahl" {...form.field('postalCode')} inputMode="numeric" />
          <Field label="Ort" {...form.field('town')} />
        </div>
      </fieldset>
      <Button type="submit" busy={form.busy}>
        Einstellungen speichern
      </Button>
    </form>
  );
}

const LOGO_MAX_BYTES = 512 * 1024;

/** The logo as stored (fetched with the token, shown from an object URL), or null when there is none. */
async function loadLogo(): Promise<string | null> {
  const result = await api.GET('/api/v1/catalogue/settings/logo', { parseAs: 'blob' });
  if (result.response.status === 404) return null;
  if (!result.response.ok || !(result.data instanceof Blob)) throw new Error('Das Logo konnte nicht geladen werden.');
  return URL.createObjectURL(result.data);
}

/**
 * The city's logo for the card, the letter and the Gutschrift: a preview of the chosen file before it
 * is uploaded, the stored logo after. The API checks type, bytes and pixels; its refusal is shown in
 * German. A file over 512 KB is refused here already (same message as the API's).
 */
function LogoCard() {
  const stored = useLoad(loadLogo, []);
  const [file, setFile] = useState<File>();
  const [preview, setPreview] = useState<string>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => (stored.data ? () => URL.revokeObjectURL(stored.data!) : undefined), [stored.data]);
  useEffect(() => (preview ? () => URL.revokeObjectURL(preview) : undefined), [preview]);

  function choose(chosen: File | undefined) {
    setNotice(undefined);
    setError(undefined);
    setFile(chosen);
    setPreview(chosen ? URL.createObjectURL(chosen) : undefined);
    if (chosen && chosen.size > LOGO_MAX_BYTES) setError(germanMessage('logo_too_large'));
  }

  async function upload(event: Event) {
    event.preventDefault();
    if (!file) {
      setError('Bitte zuerst eine PNG- oder SVG-Datei auswählen.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const saved = unwrap(
        await api.PUT('/api/v1/catalogue/settings/logo', {
          body: file as never,
          bodySerializer: (body: unknown) => body,
          headers: { 'content-type': file.type || 'application/octet-stream' },
        }),
      );
      setNotice(
        `Logo gespeichert (${saved.contentType === 'image/svg+xml' ? 'SVG' : 'PNG'}, ${saved.widthPx} × ${saved.heightPx} Pixel). Es erscheint ab jetzt auf Karten, Briefen und Gutschriften.`,
      );
      setFile(undefined);
      setPreview(undefined);
      if (input.current) input.current.value = '';
      stored.reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setError(undefined);
    try {
      unwrap(await api.DELETE('/api/v1/catalogue/settings/logo', {}));
      setNotice('Logo entfernt. Karten zeigen wieder den Anfangsbuchstaben der Stadt.');
      stored.reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  const shown = preview ?? stored.data ?? undefined;
  return (
    <form class="card" onSubmit={upload} noValidate aria-labelledby="logo-title" data-testid="logo-card">
      <h3 id="logo-title">Logo der Stadt</h3>
      <p class="muted">
        Erscheint auf der Karte, dem Brief an die Familien und der Gutschrift. PNG oder SVG, höchstens 512 KB und 4000 ×
        4000 Pixel; SVG ohne Skripte und ohne Verweise auf andere Dateien.
      </p>
      {notice && <Alert tone="success">{notice}</Alert>}
      {error && <Alert tone="error">{error}</Alert>}
      <div class="logo-preview" data-testid="logo-preview">
        {shown ? (
          <img src={shown} alt={preview ? 'Vorschau des gewählten Logos' : 'Gespeichertes Logo der Stadt'} />
        ) : (
          <span class="muted">{stored.loading ? 'Wird geladen …' : 'Noch kein Logo hinterlegt.'}</span>
        )}
      </div>
      {preview && <p class="field-hint">Vorschau – noch nicht gespeichert.</p>}
      <div class="field">
        <label for="logo-file">Logo-Datei (PNG oder SVG)</label>
        <input
          ref={input}
          id="logo-file"
          type="file"
          accept=".png,.svg,image/png,image/svg+xml"
          onChange={(e) => choose(e.currentTarget.files?.[0])}
        />
      </div>
      <div class="form-actions">
        <Button type="submit" busy={busy} disabled={!file}>
          Logo hochladen
        </Button>
        {stored.data && !preview && (
          <Button variant="secondary" onClick={() => void remove()} disabled={busy}>
            Logo entfernen
          </Button>
        )}
      </div>
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
