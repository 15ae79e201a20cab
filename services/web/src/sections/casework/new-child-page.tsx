import { useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problems';
import { linkClick, navigate } from '../../router';
import { Alert, Button, Field } from '../../ui';
import { type FieldErrors, fieldErrorsOf, focusFirstError, summaryOf } from '../../ui/form';
import { childPath, duplicateNoticeKey } from './casework-api';

const FIELDS = ['givenName', 'familyName', 'birthDate', 'caseReference'] as const;
type ChildInput = Record<(typeof FIELDS)[number], string>;

/** Record a child: names, birth date, case reference (Aktenzeichen). Goes to the child page on success. */
export function NewChildPage() {
  const [values, setValues] = useState<ChildInput>({ givenName: '', familyName: '', birthDate: '', caseReference: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [holder, setHolder] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const set = (key: keyof ChildInput) => (e: { currentTarget: HTMLInputElement }) =>
    setValues((v) => ({ ...v, [key]: e.currentTarget.value }));

  function validate(): FieldErrors {
    const next: FieldErrors = {};
    if (!values.givenName.trim()) next.givenName = 'Bitte den Vornamen eingeben.';
    if (!values.familyName.trim()) next.familyName = 'Bitte den Nachnamen eingeben.';
    if (!values.birthDate) next.birthDate = 'Bitte das Geburtsdatum eingeben.';
    if (!values.caseReference.trim()) next.caseReference = 'Bitte das Aktenzeichen eingeben.';
    return next;
  }

  async function submit(event: Event) {
    event.preventDefault();
    const local = validate();
    setErrors(local);
    if (Object.keys(local).length > 0) {
      setSummary('Bitte die markierten Felder ausfüllen.');
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    setSummary(undefined);
    try {
      const child = unwrap(
        await api.POST('/api/v1/beneficiaries', {
          body: {
            givenName: values.givenName.trim(),
            familyName: values.familyName.trim(),
            birthDate: values.birthDate,
            caseReference: values.caseReference.trim(),
          },
        }),
      );
      const duplicate = child.warnings.find((w) => w.code === 'possible_duplicate');
      if (duplicate) sessionStorage.setItem(duplicateNoticeKey(child.id), duplicate.beneficiaryId);
      navigate(childPath(child.id));
    } catch (err) {
      setErrors(fieldErrorsOf(err, FIELDS));
      setSummary(summaryOf(err));
      const existing =
        err instanceof ApiError
          ? (err.problem as { existingBeneficiaryId?: string })?.existingBeneficiaryId
          : undefined;
      setHolder(err instanceof ApiError && err.code === 'case_reference_taken' ? existing : undefined);
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Kind anlegen</h1>
      <form
        ref={form}
        class="card"
        onSubmit={submit}
        noValidate
        aria-describedby={summary ? 'child-summary' : undefined}
      >
        {summary && (
          <div class="form-summary" id="child-summary" tabIndex={-1}>
            <Alert tone="error">
              {summary}
              {holder && (
                <>
                  {' '}
                  <a href={childPath(holder)} onClick={linkClick} data-testid="case-reference-holder">
                    Zum Kind mit diesem Aktenzeichen
                  </a>
                </>
              )}
            </Alert>
          </div>
        )}
        <div class="form-grid">
          <Field
            label="Vorname"
            name="givenName"
            required
            autocomplete="off"
            value={values.givenName}
            onInput={set('givenName')}
            error={errors.givenName}
          />
          <Field
            label="Nachname"
            name="familyName"
            required
            autocomplete="off"
            value={values.familyName}
            onInput={set('familyName')}
            error={errors.familyName}
          />
          <Field
            label="Geburtsdatum"
            name="birthDate"
            type="date"
            required
            value={values.birthDate}
            onInput={set('birthDate')}
            error={errors.birthDate}
          />
          <Field
            label="Aktenzeichen"
            name="caseReference"
            required
            autocomplete="off"
            hint="Wie im Bescheid, z. B. JC-2026-0815"
            value={values.caseReference}
            onInput={set('caseReference')}
            error={errors.caseReference}
          />
        </div>
        <div class="form-actions">
          <Button type="submit" busy={busy}>
            Kind speichern
          </Button>
          <Button variant="ghost" onClick={() => history.back()}>
            Abbrechen
          </Button>
        </div>
      </form>
    </section>
  );
}
