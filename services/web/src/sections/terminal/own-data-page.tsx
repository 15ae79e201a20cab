import '../../ui/backoffice.css';
import { api, unwrap } from '../../api/client';
import type { Session } from '../../session';
import { Alert, Button, berlinToday, centsToInput, Field, formatCents, formatDate, parseEuroToCents } from '../../ui';
import { FormSummary } from '../../ui/form-summary';
import { useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import { formatIban, type Provider } from '../admin/admin-api';

interface Values {
  email: string;
  phone: string;
  street: string;
  postalCode: string;
  town: string;
  publicListing: boolean;
  accountHolder: string;
  iban: string;
  bic: string;
}

const valuesOf = (p: Provider): Values => ({
  email: p.email ?? '',
  phone: p.phone ?? '',
  street: p.address.street ?? '',
  postalCode: p.address.postalCode ?? '',
  town: p.address.town,
  publicListing: p.publicListing,
  accountHolder: p.accountHolder,
  iban: formatIban(p.iban),
  bic: p.bic ?? '',
});

const PROPOSAL_STATUS: Record<string, string> = {
  pending: 'wartet auf Bestätigung der Stadt',
  confirmed: 'bestätigt',
  rejected: 'abgelehnt',
};

/** Only what changed goes into the PATCH (an unchanged IBAN must not mark bank data as changed). */
function changesOf(provider: Provider, values: Values): Record<string, unknown> {
  const before = valuesOf(provider);
  const patch: Record<string, unknown> = {};
  if (values.email !== before.email || values.phone !== before.phone) {
    patch.contact = { email: values.email.trim() || null, phone: values.phone.trim() || null };
  }
  if (values.street !== before.street || values.postalCode !== before.postalCode || values.town !== before.town) {
    patch.address = {
      ...(values.street.trim() ? { street: values.street.trim() } : {}),
      ...(values.postalCode.trim() ? { postalCode: values.postalCode.trim() } : {}),
      town: values.town.trim(),
      country: provider.address.country,
    };
  }
  if (values.publicListing !== before.publicListing) patch.publicListing = values.publicListing;
  if (values.accountHolder !== before.accountHolder) patch.accountHolder = values.accountHolder.trim();
  if (values.iban.replace(/\s/g, '').toUpperCase() !== provider.iban) patch.iban = values.iban.trim();
  if (values.bic !== before.bic) patch.bic = values.bic.trim() || null;
  return patch;
}

/**
 * "Unsere Daten" for a provider admin: contact, address, listing in the public directory and bank
 * data of its own provider (bank data changes wait for the city's approval, and the page says so),
 * and for lunch providers the meal price: proposed here, confirmed by the city.
 */
export function OwnDataPage({ session }: { session: Session }) {
  const providerId = session.user.providerId ?? '';
  const loaded = useLoad(
    async (signal) => unwrap(await api.GET('/api/v1/providers/{id}', { params: { path: { id: providerId } }, signal })),
    [providerId],
  );
  const provider = loaded.data;
  if (!provider) {
    return (
      <section class="card">
        {loaded.error ? <Alert tone="error">{loaded.error}</Alert> : <p>Wird geladen …</p>}
      </section>
    );
  }
  return <OwnDataForms provider={provider} onSaved={loaded.setData} />;
}

function OwnDataForms({ provider, onSaved }: { provider: Provider; onSaved: (p: Provider) => void }) {
  const form = useForm<Values>({
    initial: () => valuesOf(provider),
    errorKeys: {
      email: 'contact.email',
      phone: 'contact.phone',
      street: 'address.street',
      postalCode: 'address.postalCode',
      town: 'address.town',
    },
    async submit(values, f) {
      const patch = changesOf(provider, values);
      if (Object.keys(patch).length === 0) return 'Keine Änderungen.';
      const saved = unwrap(
        await api.PATCH('/api/v1/providers/{id}', { params: { path: { id: provider.id } }, body: patch as never }),
      );
      onSaved(saved);
      f.reset(valuesOf(saved));
      return saved.bankDataApproved
        ? 'Ihre Daten wurden gespeichert.'
        : 'Gespeichert. Die neuen Bankdaten prüft die Stadt; bis zur Freigabe werden keine Zahlungen angewiesen.';
    },
  });
  const priceForm = useForm({
    initial: () => ({ price: '', validFrom: berlinToday() }),
    errorKeys: { price: 'priceCents' },
    invalidSummary: null,
    validate: (v) => {
      const cents = parseEuroToCents(v.price);
      return { priceCents: cents === null || cents <= 0 ? 'Bitte einen Preis wie 3,80 eingeben.' : undefined };
    },
    async submit(v, f) {
      const priceCents = parseEuroToCents(v.price) ?? 0;
      unwrap(
        await api.POST('/api/v1/providers/{id}/meal-price-proposals', {
          params: { path: { id: provider.id } },
          body: { priceCents, validFrom: v.validFrom },
        }),
      );
      onSaved(unwrap(await api.GET('/api/v1/providers/{id}', { params: { path: { id: provider.id } } })));
      f.reset({ price: '', validFrom: v.validFrom });
      return `Essenspreis ${formatCents(priceCents)} ab ${formatDate(v.validFrom)} vorgeschlagen. Die Stadt bestätigt ihn.`;
    },
  });
  const { values } = form;

  const lunch = provider.benefitTypes.includes('lunch');
  return (
    <div class="backoffice own-data">
      <section class="card" aria-labelledby="own-data-title">
        <h2 id="own-data-title">Unsere Daten</h2>
        <p class="muted">{provider.name}</p>
        {form.notice && <Alert tone="success">{form.notice}</Alert>}
        {!provider.bankDataApproved && (
          <Alert tone="warning">
            <span data-testid="bank-data-pending">
              Ihre geänderten Bankdaten werden von der Stadt geprüft. Bis zur Freigabe werden keine Zahlungen
              angewiesen.
            </span>
          </Alert>
        )}
        <form ref={form.ref} onSubmit={form.submit} noValidate aria-label="Unsere Daten ändern">
          <FormSummary text={form.summary} />
          <h3>Kontakt und Anschrift</h3>
          <div class="form-grid">
            <Field label="E-Mail" {...form.field('email')} />
            <Field label="Telefon" type="tel" {...form.field('phone')} />
            <Field label="Straße und Hausnummer" {...form.field('street')} />
            <Field label="Postleitzahl" inputMode="numeric" {...form.field('postalCode')} />
            <Field label="Ort" {...form.field('town')} />
          </div>
          <div class="checks">
            <label>
              <input
                type="checkbox"
                name="publicListing"
                checked={values.publicListing}
                onChange={(e) => form.set('publicListing', e.currentTarget.checked)}
              />
              Im öffentlichen Anbieterverzeichnis zeigen
            </label>
          </div>
          <h3>Bankverbindung</h3>
          <p class="muted">
            Kontoinhaber genau wie bei der Bank (die Bank der Stadt prüft Name und IBAN vor der Überweisung). Eine
            Änderung gibt die Stadt frei.
          </p>
          <div class="form-grid">
            <Field label="Kontoinhaber" {...form.field('accountHolder')} />
            <Field label="IBAN" autocomplete="off" spellcheck={false} {...form.field('iban')} />
            <Field label="BIC (optional)" autocomplete="off" {...form.field('bic')} />
          </div>
          <div class="form-actions">
            <Button type="submit" busy={form.busy}>
              Speichern
            </Button>
          </div>
        </form>
      </section>
      {lunch && (
        <section class="card" aria-labelledby="meal-price-title">
          <h2 id="meal-price-title">Essenspreis</h2>
          <p>
            Aktuell:{' '}
            <strong>{provider.mealPriceCents !== undefined ? formatCents(provider.mealPriceCents) : 'keiner'}</strong>
          </p>
          {provider.mealPriceProposals.length > 0 && (
            <ul data-testid="meal-price-proposals">
              {provider.mealPriceProposals.map((p) => (
                <li key={p.id}>
                  {formatCents(p.priceCents)} ab {formatDate(p.validFrom)}: {PROPOSAL_STATUS[p.status]}
                </li>
              ))}
            </ul>
          )}
          {priceForm.notice && <Alert tone="success">{priceForm.notice}</Alert>}
          <FormSummary text={priceForm.summary} />
          <form
            ref={priceForm.ref}
            class="form-grid"
            onSubmit={priceForm.submit}
            noValidate
            aria-label="Essenspreis vorschlagen"
          >
            <Field
              label="Neuer Preis in Euro"
              inputMode="decimal"
              placeholder={provider.mealPriceCents !== undefined ? centsToInput(provider.mealPriceCents) : '3,50'}
              {...priceForm.field('price')}
            />
            <Field label="gültig ab" type="date" {...priceForm.field('validFrom')} />
            <div class="form-actions">
              <Button type="submit" variant="secondary" busy={priceForm.busy}>
                Preis vorschlagen
              </Button>
            </div>
          </form>
        </section>
      )}
    </div>
  );
}
