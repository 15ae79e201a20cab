import { useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { navigate } from '../../router';
import { Alert, Button, Field, parseEuroToCents } from '../../ui';
import { type FieldErrors, fieldErrorsOf, focusFirstError, summaryOf } from '../../ui/form';
import { SelectField } from '../../ui/select-field';
import {
  BASE,
  CATEGORY_LABELS,
  centsToInput,
  type Provider,
  type ProviderCategory,
  providerPath,
  REDEEMABLE_TYPES,
  type RedeemableType,
  TYPE_LABELS,
} from './admin-api';

const FIELDS = [
  'name',
  'category',
  'benefitTypes',
  'accountHolder',
  'iban',
  'bic',
  'address.street',
  'address.postalCode',
  'address.town',
  'address.country',
  'email',
  'mealPriceCents',
  'mealPriceValidFrom',
] as const;

interface Values {
  name: string;
  category: string;
  benefitTypes: RedeemableType[];
  accountHolder: string;
  iban: string;
  bic: string;
  street: string;
  postalCode: string;
  town: string;
  country: string;
  email: string;
  mealPrice: string;
}

function initialValues(p?: Provider): Values {
  return {
    name: p?.name ?? '',
    category: p?.category ?? '',
    benefitTypes: (p?.benefitTypes.filter((t) => (REDEEMABLE_TYPES as readonly string[]).includes(t)) ??
      []) as RedeemableType[],
    accountHolder: p?.accountHolder ?? '',
    iban: p?.iban ?? '',
    bic: p?.bic ?? '',
    street: p?.address.street ?? '',
    postalCode: p?.address.postalCode ?? '',
    town: p?.address.town ?? '',
    country: p?.address.country ?? 'DE',
    email: p?.email ?? '',
    mealPrice: p?.mealPriceCents !== undefined ? centsToInput(p.mealPriceCents) : '',
  };
}

/**
 * Create or edit a provider: name, category, benefit types, bank data (account holder exactly as at
 * the bank, IBAN, optional BIC), address and, for lunch, the meal price. Editing sends only what
 * changed; a change of bank data needs the approval of a second admin.
 */
export function ProviderForm(props: { provider?: Provider; onSaved: (p: Provider) => void; onCancel: () => void }) {
  const { provider } = props;
  const [values, setValues] = useState<Values>(() => initialValues(provider));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const set = (key: keyof Values) => (e: { currentTarget: HTMLInputElement }) =>
    setValues((v) => ({ ...v, [key]: e.currentTarget.value }));
  const lunch = values.benefitTypes.includes('lunch');

  function validate(): FieldErrors {
    const next: FieldErrors = {};
    if (!values.name.trim()) next.name = 'Bitte den Namen eingeben.';
    if (values.benefitTypes.length === 0) next.benefitTypes = 'Bitte mindestens eine Leistungsart wählen.';
    if (!values.accountHolder.trim()) next.accountHolder = 'Bitte den Kontoinhaber eingeben (wie bei der Bank).';
    if (!values.iban.trim()) next.iban = 'Bitte die IBAN eingeben.';
    if (!values.town.trim()) next['address.town'] = 'Bitte den Ort eingeben.';
    if (!/^[A-Za-z]{2}$/.test(values.country.trim()))
      next['address.country'] = 'Bitte das Länderkürzel eingeben, z. B. DE.';
    if (lunch && values.mealPrice.trim()) {
      const cents = parseEuroToCents(values.mealPrice);
      if (cents === null || cents <= 0) next.mealPriceCents = 'Bitte einen Preis wie 3,50 eingeben.';
    }
    return next;
  }

  function body() {
    const address = {
      ...(values.street.trim() ? { street: values.street.trim() } : {}),
      ...(values.postalCode.trim() ? { postalCode: values.postalCode.trim() } : {}),
      town: values.town.trim(),
      country: values.country.trim().toUpperCase(),
    };
    const mealPriceCents = lunch && values.mealPrice.trim() ? parseEuroToCents(values.mealPrice) : null;
    return {
      name: values.name.trim(),
      ...(values.category ? { category: values.category as ProviderCategory } : {}),
      benefitTypes: values.benefitTypes,
      accountHolder: values.accountHolder.trim(),
      iban: values.iban.trim(),
      bic: values.bic.trim(),
      address,
      email: values.email.trim(),
      mealPriceCents,
    };
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
    const b = body();
    try {
      let saved: Provider;
      if (!provider) {
        saved = unwrap(
          await api.POST('/api/v1/providers', {
            body: {
              name: b.name,
              ...(b.category ? { category: b.category } : {}),
              benefitTypes: b.benefitTypes,
              accountHolder: b.accountHolder,
              iban: b.iban,
              ...(b.bic ? { bic: b.bic } : {}),
              address: b.address,
              ...(b.email ? { email: b.email } : {}),
              ...(b.mealPriceCents ? { mealPriceCents: b.mealPriceCents } : {}),
            },
          }),
        );
      } else {
        // Only what changed: an unchanged IBAN must not count as a bank data change.
        const before = initialValues(provider);
        const patch: Record<string, unknown> = {};
        if (values.name !== before.name) patch.name = b.name;
        if (values.category !== before.category && b.category) patch.category = b.category;
        if (values.benefitTypes.join() !== before.benefitTypes.join()) patch.benefitTypes = b.benefitTypes;
        if (values.accountHolder !== before.accountHolder) patch.accountHolder = b.accountHolder;
        if (values.iban.replace(/\s/g, '').toUpperCase() !== before.iban) patch.iban = b.iban;
        if (values.bic !== before.bic) patch.bic = b.bic || null;
        if (
          values.street !== before.street ||
          values.postalCode !== before.postalCode ||
          values.town !== before.town ||
          values.country !== before.country
        )
          patch.address = b.address;
        if (values.email !== before.email) patch.email = b.email || null;
        if (values.mealPrice !== before.mealPrice && b.mealPriceCents) patch.mealPriceCents = b.mealPriceCents;
        if (Object.keys(patch).length === 0) {
          props.onCancel();
          return;
        }
        saved = unwrap(
          await api.PATCH('/api/v1/providers/{id}', { params: { path: { id: provider.id } }, body: patch as never }),
        );
      }
      props.onSaved(saved);
    } catch (err) {
      setErrors(fieldErrorsOf(err, FIELDS));
      setSummary(summaryOf(err));
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  const toggleType = (t: RedeemableType, on: boolean) =>
    setValues((v) => ({
      ...v,
      benefitTypes: on
        ? [...v.benefitTypes, t].filter((x, i, a) => a.indexOf(x) === i)
        : v.benefitTypes.filter((x) => x !== t),
    }));

  return (
    <form
      ref={form}
      class="card"
      onSubmit={submit}
      noValidate
      aria-label={provider ? 'Anbieter bearbeiten' : 'Anbieter anlegen'}
    >
      {summary && (
        <div class="form-summary" tabIndex={-1}>
          <Alert tone="error">{summary}</Alert>
        </div>
      )}
      <div class="form-grid">
        <Field label="Name" name="name" value={values.name} onInput={set('name')} error={errors.name} />
        <fieldset
          class="checks"
          aria-invalid={errors.benefitTypes ? true : undefined}
          aria-describedby={errors.benefitTypes ? 'types-error' : undefined}
        >
          <legend>Leistungsarten</legend>
          {REDEEMABLE_TYPES.map((t) => (
            <label key={t}>
              <input
                type="checkbox"
                name="benefitTypes"
                value={t}
                checked={values.benefitTypes.includes(t)}
                aria-invalid={errors.benefitTypes ? true : undefined}
                onChange={(e) => toggleType(t, e.currentTarget.checked)}
              />
              {TYPE_LABELS[t]}
            </label>
          ))}
          {errors.benefitTypes && (
            <p class="field-error" id="types-error">
              {errors.benefitTypes}
            </p>
          )}
        </fieldset>
        <SelectField
          label="Kategorie"
          name="category"
          value={values.category}
          placeholder={provider ? undefined : 'automatisch aus den Leistungsarten'}
          options={Object.entries(CATEGORY_LABELS).map(([value, label]) => ({ value, label }))}
          onChange={(v) => setValues((x) => ({ ...x, category: v }))}
          error={errors.category}
        />
      </div>
      <h3>Bankverbindung</h3>
      {provider && (
        <p class="muted">
          Eine Änderung der Bankdaten muss von einer zweiten Person freigegeben werden (Vier-Augen-Prinzip).
        </p>
      )}
      <div class="form-grid">
        <Field
          label="Kontoinhaber"
          name="accountHolder"
          hint="Genau wie bei der Bank hinterlegt (Empfängerüberprüfung)"
          value={values.accountHolder}
          onInput={set('accountHolder')}
          error={errors.accountHolder}
        />
        <Field
          label="IBAN"
          name="iban"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          placeholder="DE.. .... .... .... .... .."
          value={values.iban}
          onInput={set('iban')}
          error={errors.iban}
        />
        <Field
          label="BIC (optional)"
          name="bic"
          autocomplete="off"
          value={values.bic}
          onInput={set('bic')}
          error={errors.bic}
        />
        <Field
          label="E-Mail (optional)"
          name="email"
          autocomplete="off"
          value={values.email}
          onInput={set('email')}
          error={errors.email}
        />
      </div>
      <h3>Anschrift</h3>
      <div class="form-grid">
        <Field
          label="Straße und Hausnummer"
          name="street"
          value={values.street}
          onInput={set('street')}
          error={errors['address.street']}
        />
        <Field
          label="Postleitzahl"
          name="postalCode"
          inputMode="numeric"
          value={values.postalCode}
          onInput={set('postalCode')}
          error={errors['address.postalCode']}
        />
        <Field label="Ort" name="town" value={values.town} onInput={set('town')} error={errors['address.town']} />
        <Field
          label="Land"
          name="country"
          hint="Länderkürzel, z. B. DE"
          value={values.country}
          onInput={set('country')}
          error={errors['address.country']}
        />
      </div>
      {lunch && (
        <div class="form-grid">
          <Field
            label="Essenspreis in Euro"
            name="mealPrice"
            inputMode="decimal"
            placeholder="z. B. 3,50"
            hint={provider ? 'Ein neuer Preis gilt ab heute; frühere Preise bleiben erhalten.' : 'Gilt ab heute.'}
            value={values.mealPrice}
            onInput={set('mealPrice')}
            error={errors.mealPriceCents ?? errors.mealPriceValidFrom}
          />
        </div>
      )}
      <div class="form-actions">
        <Button type="submit" busy={busy}>
          {provider ? 'Änderungen speichern' : 'Anbieter anlegen'}
        </Button>
        <Button variant="ghost" onClick={props.onCancel}>
          Abbrechen
        </Button>
      </div>
    </form>
  );
}

/** The page "Anbieter anlegen". */
export function ProviderFormPage() {
  return (
    <section aria-labelledby="provider-new-title">
      <h2 id="provider-new-title">Anbieter anlegen</h2>
      <p class="muted">Ein neuer Anbieter wartet auf die Freigabe durch eine zweite Person, bevor er abrechnen kann.</p>
      <ProviderForm onSaved={(p) => navigate(providerPath(p.id))} onCancel={() => navigate(BASE)} />
    </section>
  );
}
