import { api, type RequestBody, unwrap } from '../../api/client';
import { navigate } from '../../router';
import { Button, Field } from '../../ui';
import { FormSummary } from '../../ui/form-summary';
import { useForm } from '../../ui/use-form';
import { childPath } from './casework-api';

type ChildInput = RequestBody<'createBeneficiary'>;

/** Record a child: names, birth date, case reference (Aktenzeichen). Goes to the child page on success. */
export function NewChildPage() {
  const form = useForm<ChildInput>({
    initial: { givenName: '', familyName: '', birthDate: '', caseReference: '' },
    invalidSummary: 'Bitte die markierten Felder ausfüllen.',
    validate: (v) => ({
      givenName: v.givenName.trim() ? undefined : 'Bitte den Vornamen eingeben.',
      familyName: v.familyName.trim() ? undefined : 'Bitte den Nachnamen eingeben.',
      birthDate: v.birthDate ? undefined : 'Bitte das Geburtsdatum eingeben.',
      caseReference: v.caseReference.trim() ? undefined : 'Bitte das Aktenzeichen eingeben.',
    }),
    async submit(v) {
      const body = {
        givenName: v.givenName.trim(),
        familyName: v.familyName.trim(),
        birthDate: v.birthDate,
        caseReference: v.caseReference.trim(),
      };
      const child = unwrap(await api.POST('/api/v1/beneficiaries', { body }));
      navigate(childPath(child.id));
    },
  });

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Kind anlegen</h1>
      <form
        ref={form.ref}
        class="card"
        onSubmit={form.submit}
        noValidate
        aria-describedby={form.summary ? 'child-summary' : undefined}
      >
        <FormSummary id="child-summary" text={form.summary} />
        <div class="form-grid">
          <Field label="Vorname" {...form.field('givenName')} required autocomplete="off" />
          <Field label="Nachname" {...form.field('familyName')} required autocomplete="off" />
          <Field label="Geburtsdatum" {...form.field('birthDate')} type="date" required />
          <Field
            label="Aktenzeichen"
            {...form.field('caseReference')}
            required
            autocomplete="off"
            hint="Wie im Bescheid, z. B. JC-2026-0815"
          />
        </div>
        <div class="form-actions">
          <Button type="submit" busy={form.busy}>
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
