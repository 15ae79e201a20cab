import '../../ui/backoffice.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { messageOf } from '../../api/problems';
import type { Session } from '../../session';
import { Alert, Button, berlinToday, centsToInput, Field, formatCents, formatDate, parseEuroToCents } from '../../ui';
import { type FieldErrors, fieldErrorsOf, focusFirstError, summaryOf } from '../../ui/use-form';
import { formatIban, type Provider } from '../admin/admin-api';

const FIELDS = [
  'contact.email',
  'contact.phone',
  'address.street',
  'address.postalCode',
  'address.town',
  'accountHolder',
  'iban',
  'bic',
] as const;

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

/**
 * "Unsere Daten" for a provider admin: contact, address, listing in the public directory and bank
 * data of its own provider (bank data changes wait for the city's approval, and the page says so),
 * and for lunch providers the meal price: proposed here, confirmed by the city.
 */
export function OwnDataPage({ session }: { session: Session }) {
  const providerId = session.user.providerId ?? '';
  const [provider, setProvider] = useState<Provider>();
  const [values, setValues] = useState<Values>();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [price, setPrice] = useState('');
  const [priceFrom, setPriceFrom] = useState(berlinToday());
  const [priceError, setPriceError] = useState<string>();
  const form = useRef<HTMLFormElement>(null);

  const show = (p: Provider) => {
    setProvider(p);
    setValues(valuesOf(p));
  };
  useEffect(() => {
    api
      .GET('/api/v1/providers/{id}', { params: { path: { id: providerId } } })
      .then(unwrap)
      .then(show)
      .catch((err) => setSummary(messageOf(err)));
  }, [providerId]);

  if (!provider || !values) {
    return <section class="card">{summary ? <Alert tone="error">{summary}</Alert> : <p>Wird geladen …</p>}</section>;
  }
  const set = (key: keyof Values) => (e: { currentTarget: HTMLInputElement }) =>
    setValues((v) => v && { ...v, [key]: e.currentTarget.value });

  async function save(event: Event) {
    event.preventDefault();
    if (!provider || !values) return;
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
    if (Object.keys(patch).length === 0) {
      setNotice('Keine Änderungen.');
      return;
    }
    setBusy('save');
    setErrors({});
    setSummary(undefined);
    setNotice(undefined);
    try {
      const saved = unwrap(
        await api.PATCH('/api/v1/providers/{id}', { params: { path: { id: provider.id } }, body: patch as never }),
      );
      show(saved);
      setNotice(
        saved.bankDataApproved
          ? 'Ihre Daten wurden gespeichert.'
          : 'Gespeichert. Die neuen Bankdaten prüft die Stadt; bis zur Freigabe werden keine Zahlungen angewiesen.',
      );
    } catch (err) {
      setErrors(fieldErrorsOf(err, FIELDS));
      setSummary(summaryOf(err));
      focusFirstError(form.current);
    } finally {
      setBusy(undefined);
    }
  }

  async function proposePrice(event: Event) {
    event.preventDefault();
    if (!provider) return;
    const cents = parseEuroToCents(price);
    if (cents === null || cents <= 0) {
      setPriceError('Bitte einen Preis wie 3,80 eingeben.');
      return;
    }
    setBusy('price');
    setPriceError(undefined);
    try {
      unwrap(
        await api.POST('/api/v1/providers/{id}/meal-price-proposals', {
          params: { path: { id: provider.id } },
          body: { priceCents: cents, validFrom: priceFrom },
        }),
      );
      show(unwrap(await api.GET('/api/v1/providers/{id}', { params: { path: { id: provider.id } } })));
      setPrice('');
      setNotice(
        `Essenspreis ${formatCents(cents)} ab ${formatDate(priceFrom)} vorgeschlagen. Die Stadt bestätigt ihn.`,
      );
    } catch (err) {
      setPriceError(messageOf(err));
    } finally {
      setBusy(undefined);
    }
  }

  const lunch = provider.benefitTypes.includes('lunch');
  return (
    <div class="backoffice own-data">
      <section class="card" aria-labelledby="own-data-title">
        <h2 id="own-data-title">Unsere Daten</h2>
        <p class="muted">{provider.name}</p>
        {notice && <Alert tone="success">{notice}</Alert>}
        {!provider.bankDataApproved && (
          <Alert tone="warning">
            <span data-testid="bank-data-pending">
              Ihre geänderten Bankdaten werden von der Stadt geprüft. Bis zur Freigabe werden keine Zahlungen
              angewiesen.
            </span>
          </Alert>
        )}
        <form ref={form} onSubmit={save} noValidate aria-label="Unsere Daten ändern">
          {summary && (
            <div class="form-summary" tabIndex={-1}>
              <Alert tone="error">{summary}</Alert>
            </div>
          )}
          <h3>Kontakt und Anschrift</h3>
          <div class="form-grid">
            <Field
              label="E-Mail"
              name="email"
              value={values.email}
              onInput={set('email')}
              error={errors['contact.email']}
            />
            <Field
              label="Telefon"
              name="phone"
              type="tel"
              value={values.phone}
              onInput={set('phone')}
              error={errors['contact.phone']}
            />
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
          </div>
          <div class="checks">
            <label>
              <input
                type="checkbox"
                name="publicListing"
                checked={values.publicListing}
                onChange={(e) => setValues((v) => v && { ...v, publicListing: e.currentTarget.checked })}
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
            <Field
              label="Kontoinhaber"
              name="accountHolder"
              value={values.accountHolder}
              onInput={set('accountHolder')}
              error={errors.accountHolder}
            />
            <Field
              label="IBAN"
              name="iban"
              autocomplete="off"
              spellcheck={false}
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
          </div>
          <div class="form-actions">
            <Button type="submit" busy={busy === 'save'}>
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
          <form class="form-grid" onSubmit={proposePrice} noValidate aria-label="Essenspreis vorschlagen">
            <Field
              label="Neuer Preis in Euro"
              name="mealPrice"
              inputMode="decimal"
              placeholder={provider.mealPriceCents !== undefined ? centsToInput(provider.mealPriceCents) : '3,50'}
              value={price}
              onInput={(e) => setPrice(e.currentTarget.value)}
              error={priceError}
            />
            <Field
              label="gültig ab"
              name="mealPriceFrom"
              type="date"
              value={priceFrom}
              onInput={(e) => setPriceFrom(e.currentTarget.value)}
            />
            <div class="form-actions">
              <Button type="submit" variant="secondary" busy={busy === 'price'}>
                Preis vorschlagen
              </Button>
            </div>
          </form>
        </section>
      )}
    </div>
  );
}
