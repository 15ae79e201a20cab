import { useState } from 'preact/hooks';
import { districtOptions, useDistricts } from '../../api/catalogue';
import { api, type RequestBody, unwrap } from '../../api/client';
import { ApiError } from '../../api/problems';
import { linkClick, navigate } from '../../router';
import { Button, Field } from '../../ui';
import { FormSummary } from '../../ui/form-summary';
import { SelectField } from '../../ui/select-field';
import { useForm } from '../../ui/use-form';
import { childPath, duplicateNoticeKey } from './casework-api';

type ChildInput = Omit<RequestBody<'createBeneficiary'>, 'district'> & { district: string };

/** Record a child: names, birth date, case reference (Aktenzeichen). Goes to the child page on success. */
export function NewChildPage() {
  /** The child that already has the entered case reference (409 `case_reference_taken`): the summary links to it. */
  const [holder, setHolder] = useState<string>();
  const districts = useDistricts();
  const form = useForm<ChildInput>({
    initial: { givenName: '', familyName: '', birthDate: '', caseReference: '', district: '' },
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
        ...(v.district ? { district: v.district } : {}),
      };
      setHolder(undefined);
      try {
        const child = unwrap(await api.POST('/api/v1/beneficiaries', { body }));
        const duplicate = child.warnings.find((w) => w.code === 'possible_duplicate');
        if (duplicate) sessionStorage.setItem(duplicateNoticeKey(child.id), duplicate.beneficiaryId);
        navigate(childPath(child.id));
      } catch (err) {
        if (err instanceof ApiError && err.code === 'case_reference_taken') {
          setHolder((err.problem as { existingBeneficiaryId?: string } | undefined)?.existingBeneficiaryId);
        }
        throw err;
      }
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
        <FormSummary id="child-summary" text={form.summary}>
          {holder && (
            <>
              {' '}
              <a href={childPath(holder)} onClick={linkClick} data-testid="case-reference-holder">
                Zum Kind mit diesem Aktenzeichen
              </a>
            </>
          )}
        </FormSummary>
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
          {districts.length > 0 && (
            <SelectField
              label="Stadtbezirk (freiwillig)"
              {...form.control('district')}
              options={districtOptions(districts)}
              hint="Nur für die Auswertung der Inanspruchnahme nach Bezirken; Anbieter sehen ihn nie."
            />
          )}
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
