import '../ui/backoffice.css';
import { benefitTypeName, PROVIDER_CATEGORY_NAMES, type RedeemableBenefitType } from '@tk/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { ApiError } from '../api/problems';
import { linkClick } from '../router';
import { Alert, Button, Field } from '../ui';
import { BenefitTypeChecks } from '../ui/benefit-type-checks';
import { SelectField } from '../ui/select-field';
import { type FieldErrors, fieldErrorsOf, focusFirstError, summaryOf } from '../ui/use-form';

export const REGISTRATION_PATH = '/anbieter/registrieren';

/** German texts for fields the server refused (its validation details are English). */
const FIELD_MESSAGES: Record<string, string> = {
  name: 'Bitte den Namen der Einrichtung eingeben (höchstens 140 Zeichen).',
  accountHolder: 'Bitte den Kontoinhaber eingeben (höchstens 70 Zeichen).',
  iban: 'Die IBAN ist ungültig. Bitte vom Kontoauszug abschreiben.',
  bic: 'Der BIC ist ungültig (8 oder 11 Zeichen). Wenn unbekannt, bitte leer lassen.',
  'address.street': 'Bitte Straße und Hausnummer prüfen (höchstens 70 Zeichen).',
  'address.postalCode': 'Bitte die Postleitzahl prüfen.',
  'address.town': 'Bitte den Ort eingeben (höchstens 35 Zeichen).',
  'contact.email': 'Bitte eine gültige E-Mail-Adresse eingeben, z. B. info@verein.de.',
  'contact.phone': 'Bitte eine Telefonnummer aus Ziffern, Leerzeichen und + ( ) / - eingeben.',
  'admin.username': 'Benutzername: 3 bis 64 Zeichen, nur Buchstaben, Ziffern und . _ @ -',
  'admin.password': 'Das Passwort muss mindestens 12 Zeichen lang sein.',
  benefitTypes: 'Bitte mindestens eine Leistungsart wählen.',
  category: 'Bitte eine Kategorie wählen, die zu allen gewählten Leistungsarten passt.',
};
const FIELDS = Object.keys(FIELD_MESSAGES);

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
  email: string;
  phone: string;
  username: string;
  password: string;
  passwordRepeat: string;
}

const EMPTY: Values = {
  name: '',
  category: '',
  benefitTypes: [],
  accountHolder: '',
  iban: '',
  bic: '',
  street: '',
  postalCode: '',
  town: '',
  email: '',
  phone: '',
  username: '',
  password: '',
  passwordRepeat: '',
};

function validate(v: Values): FieldErrors {
  const e: FieldErrors = {};
  if (!v.name.trim()) e.name = 'Bitte den Namen der Einrichtung eingeben.';
  if (v.benefitTypes.length === 0) e.benefitTypes = FIELD_MESSAGES.benefitTypes!;
  if (!v.accountHolder.trim()) e.accountHolder = 'Bitte den Kontoinhaber genau wie bei der Bank eingeben.';
  if (!v.iban.trim()) e.iban = 'Bitte die IBAN eingeben.';
  if (!v.town.trim()) e['address.town'] = 'Bitte den Ort eingeben.';
  if (!/^\S+@\S+\.\S+$/.test(v.email.trim())) e['contact.email'] = FIELD_MESSAGES['contact.email']!;
  if (!/^[\p{L}\p{N}._@-]{3,64}$/u.test(v.username.trim())) e['admin.username'] = FIELD_MESSAGES['admin.username']!;
  if (v.password.length < 12) e['admin.password'] = FIELD_MESSAGES['admin.password']!;
  else if (v.password !== v.passwordRepeat) e.passwordRepeat = 'Die beiden Passwörter stimmen nicht überein.';
  return e;
}

/** The server's field errors in German; a refused benefit type names what the category allows. */
function serverErrors(err: unknown): FieldErrors {
  const raw = fieldErrorsOf(err, [...FIELDS, 'username']);
  const result: FieldErrors = {};
  for (const key of Object.keys(raw)) {
    const field = key === 'username' ? 'admin.username' : key;
    result[field] = FIELD_MESSAGES[field] ?? raw[key]!;
  }
  if (err instanceof ApiError && err.code === 'username_taken') {
    result['admin.username'] = 'Dieser Benutzername ist bereits vergeben. Bitte einen anderen wählen.';
  }
  if (err instanceof ApiError && err.code === 'benefit_types_not_allowed') {
    const allowed = (err.problem as { allowedBenefitTypes?: string[] } | undefined)?.allowedBenefitTypes ?? [];
    result.benefitTypes = `Diese Leistungsarten passen nicht zur Kategorie. Möglich: ${allowed
      .map((t) => benefitTypeName(t))
      .join(', ')}.`;
  }
  return result;
}

/**
 * Public page: a club, canteen, school or tutor registers itself with the city (api-v1
 * `registerProvider`). The registration waits for the city's approval; only then can the admin
 * account sign in.
 */
export function ProviderRegistrationPage() {
  const [values, setValues] = useState<Values>(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    document.title = 'Als Anbieter registrieren – Teilhabekarte';
  }, []);
  const set = (key: keyof Values) => (e: { currentTarget: HTMLInputElement }) =>
    setValues((v) => ({ ...v, [key]: e.currentTarget.value }));
  const toggleType = (t: RedeemableBenefitType, on: boolean) =>
    setValues((v) => ({
      ...v,
      benefitTypes: on ? [...new Set([...v.benefitTypes, t])] : v.benefitTypes.filter((x) => x !== t),
    }));

  async function submit(event: Event) {
    event.preventDefault();
    const local = validate(values);
    setErrors(local);
    if (Object.keys(local).length > 0) {
      setSummary('Bitte die markierten Felder prüfen.');
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    setSummary(undefined);
    const v = values;
    try {
      unwrap(
        await api.POST('/api/v1/public/provider-registrations', {
          body: {
            name: v.name.trim(),
            ...(v.category ? { category: v.category as keyof typeof PROVIDER_CATEGORY_NAMES } : {}),
            benefitTypes: v.benefitTypes,
            accountHolder: v.accountHolder.trim(),
            iban: v.iban.trim(),
            ...(v.bic.trim() ? { bic: v.bic.trim() } : {}),
            address: {
              ...(v.street.trim() ? { street: v.street.trim() } : {}),
              ...(v.postalCode.trim() ? { postalCode: v.postalCode.trim() } : {}),
              town: v.town.trim(),
            },
            contact: { email: v.email.trim(), ...(v.phone.trim() ? { phone: v.phone.trim() } : {}) },
            admin: { username: v.username.trim(), password: v.password },
          },
        }),
      );
      setDone(true);
      scrollTo(0, 0);
    } catch (err) {
      setErrors(serverErrors(err));
      setSummary(summaryOf(err));
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <main id="main" class="registration backoffice">
        <h1>Registrierung eingegangen</h1>
        <Alert tone="success">
          Vielen Dank. Die Stadt prüft Ihre Angaben und Bankdaten. Nach der Freigabe können Sie sich mit dem
          Benutzernamen <strong>{values.username.trim()}</strong> anmelden.
        </Alert>
        <p>
          <a href="/login" onClick={linkClick}>
            Zur Anmeldung
          </a>
        </p>
      </main>
    );
  }

  return (
    <main id="main" class="registration backoffice">
      <h1>Als Anbieter registrieren</h1>
      <p class="muted">
        Vereine, Schulen, Mensen und Lernförderer können Leistungen der Teilhabekarte abrechnen. Die Stadt prüft Ihre
        Registrierung und gibt sie frei; vorher ist keine Anmeldung möglich.
      </p>
      <form ref={form} class="card" onSubmit={submit} noValidate aria-label="Registrierung als Anbieter">
        {summary && (
          <div class="form-summary" tabIndex={-1}>
            <Alert tone="error">{summary}</Alert>
          </div>
        )}
        <h2>Einrichtung</h2>
        <div class="form-grid">
          <Field
            label="Name der Einrichtung"
            name="name"
            value={values.name}
            onInput={set('name')}
            error={errors.name}
          />
          <SelectField
            label="Art der Einrichtung"
            name="category"
            value={values.category}
            placeholder="automatisch aus den Leistungsarten"
            options={Object.entries(PROVIDER_CATEGORY_NAMES).map(([value, label]) => ({ value, label }))}
            onChange={(c) => setValues((x) => ({ ...x, category: c }))}
            error={errors.category}
          />
          <BenefitTypeChecks
            class="checks span-2"
            legend="Welche Leistungen möchten Sie abrechnen?"
            selected={values.benefitTypes}
            error={errors.benefitTypes}
            onToggle={toggleType}
          />
        </div>
        <h2>Anschrift und Kontakt</h2>
        <div class="form-grid">
          <Field
            label="Straße und Hausnummer"
            name="street"
            autocomplete="street-address"
            value={values.street}
            onInput={set('street')}
            error={errors['address.street']}
          />
          <Field
            label="Postleitzahl"
            name="postalCode"
            inputMode="numeric"
            autocomplete="postal-code"
            value={values.postalCode}
            onInput={set('postalCode')}
            error={errors['address.postalCode']}
          />
          <Field
            label="Ort"
            name="town"
            autocomplete="address-level2"
            value={values.town}
            onInput={set('town')}
            error={errors['address.town']}
          />
          <Field
            label="E-Mail"
            name="email"
            autocomplete="email"
            value={values.email}
            onInput={set('email')}
            error={errors['contact.email']}
          />
          <Field
            label="Telefon (optional)"
            name="phone"
            type="tel"
            autocomplete="tel"
            value={values.phone}
            onInput={set('phone')}
            error={errors['contact.phone']}
          />
        </div>
        <h2>Bankverbindung</h2>
        <Alert tone="info">
          Bitte den Kontoinhaber <strong>genau so</strong> angeben, wie er bei Ihrer Bank geführt wird. Die Bank der
          Stadt gleicht Name und IBAN vor jeder Überweisung ab (Empfängerüberprüfung); weicht der Name ab, kann die
          Zahlung verzögert werden.
        </Alert>
        <div class="form-grid">
          <Field
            label="Kontoinhaber"
            name="accountHolder"
            hint="Wie auf dem Kontoauszug, z. B. „Turnverein Musterstadt e. V.“"
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
        </div>
        <h2>Ihr Zugang</h2>
        <p class="muted">Mit diesem Konto verwalten Sie nach der Freigabe Ihre Daten und Ihr Personal am Terminal.</p>
        <div class="form-grid">
          <Field
            label="Benutzername"
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            value={values.username}
            onInput={set('username')}
            error={errors['admin.username']}
          />
          <Field
            label="Passwort"
            name="password"
            type="password"
            autocomplete="new-password"
            hint="Mindestens 12 Zeichen"
            value={values.password}
            onInput={set('password')}
            error={errors['admin.password']}
          />
          <Field
            label="Passwort wiederholen"
            name="passwordRepeat"
            type="password"
            autocomplete="new-password"
            value={values.passwordRepeat}
            onInput={set('passwordRepeat')}
            error={errors.passwordRepeat}
          />
        </div>
        <div class="form-actions">
          <Button type="submit" busy={busy}>
            Registrierung absenden
          </Button>
        </div>
      </form>
    </main>
  );
}
