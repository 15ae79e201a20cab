import { PROVIDER_CATEGORY_NAMES, REDEEMABLE_BENEFIT_TYPES, type RedeemableBenefitType } from '@tk/core';
import { api, type RequestBody, unwrap } from '../../api/client';
import { linkClick, navigate } from '../../router';
import { Alert, Button, centsToInput, Field, parseEuroToCents } from '../../ui';
import { BenefitTypeChecks } from '../../ui/benefit-type-checks';
import { FormSummary } from '../../ui/form-summary';
import { SelectField } from '../../ui/select-field';
import { type FieldErrors, useForm } from '../../ui/use-form';
import { BASE, type Provider, type ProviderCategory, type ProviderWarning, providerPath } from './admin-api';

type Saved = Provider & { warnings?: ProviderWarning[] };

type CreateBody = RequestBody<'createProvider'>;
type UpdateBody = RequestBody<'updateProvider'>;

interface Values {
  name: string;
  category: string;
  benefitTypes: RedeemableBenefitType[];
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
    benefitTypes: (p?.benefitTypes.filter((t) => (REDEEMABLE_BENEFIT_TYPES as readonly string[]).includes(t)) ??
      []) as RedeemableBenefitType[],
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

/** The server calls the address fields by their path, and the meal price in cents. */
const ERROR_KEYS = {
  street: 'address.street',
  postalCode: 'address.postalCode',
  town: 'address.town',
  country: 'address.country',
  mealPrice: ['mealPriceCents', 'mealPriceValidFrom'],
} as const;

function validate(values: Values): FieldErrors {
  const errors: FieldErrors = {};
  if (!values.name.trim()) errors.name = 'Bitte den Namen eingeben.';
  // Chosen by a person, never guessed from the benefit types (a music school is no "Verein").
  if (!values.category) errors.category = 'Bitte die Kategorie wählen.';
  if (values.benefitTypes.length === 0) errors.benefitTypes = 'Bitte mindestens eine Leistungsart wählen.';
  if (!values.accountHolder.trim()) errors.accountHolder = 'Bitte den Kontoinhaber eingeben (wie bei der Bank).';
  if (!values.iban.trim()) errors.iban = 'Bitte die IBAN eingeben.';
  if (!values.town.trim()) errors['address.town'] = 'Bitte den Ort eingeben.';
  if (!/^[A-Za-z]{2}$/.test(values.country.trim()))
    errors['address.country'] = 'Bitte das Länderkürzel eingeben, z. B. DE.';
  if (values.benefitTypes.includes('lunch') && values.mealPrice.trim()) {
    const cents = parseEuroToCents(values.mealPrice);
    if (cents === null || cents <= 0) errors.mealPriceCents = 'Bitte einen Preis wie 3,50 eingeben.';
  }
  return errors;
}

function addressOf(values: Values): CreateBody['address'] {
  return {
    ...(values.street.trim() ? { street: values.street.trim() } : {}),
    ...(values.postalCode.trim() ? { postalCode: values.postalCode.trim() } : {}),
    town: values.town.trim(),
    country: values.country.trim().toUpperCase(),
  };
}

const mealPriceCentsOf = (values: Values) =>
  values.benefitTypes.includes('lunch') && values.mealPrice.trim() ? parseEuroToCents(values.mealPrice) : null;

/** The body of a new provider: what was filled in. */
function createBody(values: Values): CreateBody {
  const mealPriceCents = mealPriceCentsOf(values);
  return {
    name: values.name.trim(),
    category: values.category as ProviderCategory,
    benefitTypes: values.benefitTypes,
    accountHolder: values.accountHolder.trim(),
    iban: values.iban.trim(),
    ...(values.bic.trim() ? { bic: values.bic.trim() } : {}),
    address: addressOf(values),
    ...(values.email.trim() ? { email: values.email.trim() } : {}),
    ...(mealPriceCents ? { mealPriceCents } : {}),
  };
}

/** Only what changed: an unchanged IBAN must not count as a bank data change. */
function updateBody(values: Values, before: Values): UpdateBody {
  const patch: UpdateBody = {};
  const mealPriceCents = mealPriceCentsOf(values);
  if (values.name !== before.name) patch.name = values.name.trim();
  if (values.category !== before.category && values.category) patch.category = values.category as ProviderCategory;
  if (values.benefitTypes.join() !== before.benefitTypes.join()) patch.benefitTypes = values.benefitTypes;
  if (values.accountHolder !== before.accountHolder) patch.accountHolder = values.accountHolder.trim();
  if (values.iban.replace(/\s/g, '').toUpperCase() !== before.iban) patch.iban = values.iban.trim();
  if (values.bic !== before.bic) patch.bic = values.bic.trim() || null;
  if ((['street', 'postalCode', 'town', 'country'] as const).some((k) => values[k] !== before[k]))
    patch.address = addressOf(values);
  if (values.email !== before.email) patch.email = values.email.trim() || null;
  if (values.mealPrice !== before.mealPrice && mealPriceCents) patch.mealPriceCents = mealPriceCents;
  return patch;
}

/**
 * Create or edit a provider: name, category, benefit types, bank data (account holder exactly as at
 * the bank, IBAN, optional BIC), address and, for lunch, the meal price. Editing sends only what
 * changed; a change of bank data needs the approval of a second admin.
 */
export function ProviderForm(props: { provider?: Provider; onSaved: (p: Saved) => void; onCancel: () => void }) {
  const { provider } = props;
  const form = useForm({
    initial: () => initialValues(provider),
    errorKeys: ERROR_KEYS,
    validate,
    async submit(values) {
      if (!provider) {
        props.onSaved(unwrap(await api.POST('/api/v1/providers', { body: createBody(values) })));
        return;
      }
      const patch = updateBody(values, initialValues(provider));
      if (Object.keys(patch).length === 0) return props.onCancel();
      const path = { id: provider.id };
      props.onSaved(unwrap(await api.PATCH('/api/v1/providers/{id}', { params: { path }, body: patch })));
    },
  });
  const { values, errors } = form;
  const lunch = values.benefitTypes.includes('lunch');

  const toggleType = (t: RedeemableBenefitType, on: boolean) =>
    form.set(
      'benefitTypes',
      on
        ? [...values.benefitTypes, t].filter((x, i, a) => a.indexOf(x) === i)
        : values.benefitTypes.filter((x) => x !== t),
    );

  return (
    <form
      ref={form.ref}
      class="card"
      onSubmit={form.submit}
      noValidate
      aria-label={provider ? 'Anbieter bearbeiten' : 'Anbieter anlegen'}
    >
      <FormSummary text={form.summary} />
      <div class="form-grid">
        <Field label="Name" {...form.field('name')} />
        <BenefitTypeChecks
          legend="Leistungsarten"
          selected={values.benefitTypes}
          error={errors.benefitTypes}
          onToggle={toggleType}
        />
        <SelectField
          label="Kategorie"
          {...form.control('category')}
          placeholder={provider ? undefined : '– bitte wählen –'}
          hint="Bestimmt, welche Leistungsarten passen (z. B. Musikschule: Teilhabe)."
          options={Object.entries(PROVIDER_CATEGORY_NAMES).map(([value, label]) => ({ value, label }))}
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
          {...form.field('accountHolder')}
          hint="Genau wie bei der Bank hinterlegt (Empfängerüberprüfung)"
        />
        <Field
          label="IBAN"
          {...form.field('iban')}
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          placeholder="DE.. .... .... .... .... .."
        />
        <Field label="BIC (optional)" {...form.field('bic')} autocomplete="off" />
        <Field label="E-Mail (optional)" {...form.field('email')} autocomplete="off" />
      </div>
      <h3>Anschrift</h3>
      <div class="form-grid">
        <Field label="Straße und Hausnummer" {...form.field('street')} />
        <Field label="Postleitzahl" {...form.field('postalCode')} inputMode="numeric" />
        <Field label="Ort" {...form.field('town')} />
        <Field label="Land" {...form.field('country')} hint="Länderkürzel, z. B. DE" />
      </div>
      {lunch && (
        <div class="form-grid">
          <Field
            label="Essenspreis in Euro"
            {...form.field('mealPrice')}
            inputMode="decimal"
            placeholder="z. B. 3,50"
            hint={provider ? 'Ein neuer Preis gilt ab heute; frühere Preise bleiben erhalten.' : 'Gilt ab heute.'}
          />
        </div>
      )}
      <div class="form-actions">
        <Button type="submit" busy={form.busy}>
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

/** The IBAN is already another provider's account: saved anyway, but worth a second look. */
export function IbanWarnings({ warnings }: { warnings: readonly ProviderWarning[] }) {
  if (warnings.length === 0) return null;
  return (
    <Alert tone="warning" title="IBAN bereits vergeben">
      <p data-testid="iban-warning">
        Diese IBAN ist schon bei {warnings.length === 1 ? 'einem anderen Anbieter' : 'anderen Anbietern'} hinterlegt:{' '}
        {warnings.map((w, i) => (
          <span key={w.providerId}>
            {i > 0 && ', '}
            <a href={providerPath(w.providerId)} onClick={linkClick}>
              {w.providerName}
            </a>
          </span>
        ))}
        . Gespeichert wurde trotzdem. Bitte prüfen, ob das gewollt ist (z. B. ein gemeinsamer Träger) oder ein
        Tippfehler vorliegt.
      </p>
    </Alert>
  );
}
