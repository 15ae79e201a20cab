import { useState } from 'preact/hooks';
import { districtOptions, useDistricts } from '../../api/catalogue';
import { api, type RequestBody, unwrap } from '../../api/client';
import { Field } from '../../ui';
import { FormDialog } from '../../ui/form-dialog';
import { SelectField } from '../../ui/select-field';
import { useForm } from '../../ui/use-form';
import type { Beneficiary } from './casework-api';

const FIELDS = ['givenName', 'familyName', 'birthDate', 'caseReference'] as const;
type Values = Record<(typeof FIELDS)[number] | 'district', string>;
const NOTHING_CHANGED = 'Es wurde nichts geändert.';

export const FIELD_LABELS: Record<string, string> = {
  givenName: 'Vorname',
  familyName: 'Nachname',
  birthDate: 'Geburtsdatum',
  caseReference: 'Aktenzeichen',
  district: 'Stadtbezirk',
};

/**
 * Correct a child's master data (updateBeneficiary). The server keeps the history, shows the new
 * name at the terminal at once and recomputes birth-date budgets (refusing one below what is booked).
 */
export function MasterDataDialog(props: {
  child: Beneficiary;
  open: boolean;
  onClose: () => void;
  onSaved: (child: Beneficiary) => void;
}) {
  const { child } = props;
  const [unchanged, setUnchanged] = useState(false);
  const districts = useDistricts();
  const form = useForm<Values>({
    initial: () => ({
      givenName: child.givenName ?? '',
      familyName: child.familyName ?? '',
      birthDate: child.birthDate ?? '',
      caseReference: child.caseReference ?? '',
      district: child.district ?? '',
    }),
    resetOn: props.open,
    validate: (v) => Object.fromEntries(FIELDS.filter((f) => !v[f].trim()).map((f) => [f, 'Bitte ausfüllen.'])),
    async submit(v) {
      const changes: RequestBody<'updateBeneficiary'> = Object.fromEntries(
        FIELDS.filter((f) => v[f].trim() !== child[f]).map((f) => [f, v[f].trim()]),
      );
      if (v.district !== (child.district ?? '')) changes.district = v.district || null;
      setUnchanged(Object.keys(changes).length === 0);
      if (Object.keys(changes).length === 0) return;
      props.onSaved(
        unwrap(await api.PATCH('/api/v1/beneficiaries/{id}', { params: { path: { id: child.id } }, body: changes })),
      );
    },
  });

  return (
    <FormDialog
      open={props.open}
      title="Stammdaten ändern"
      confirmLabel="Stammdaten speichern"
      busy={form.busy}
      error={form.summary ?? (unchanged ? NOTHING_CHANGED : undefined)}
      formRef={form.ref}
      onSubmit={() => void form.submit()}
      onCancel={() => {
        setUnchanged(false);
        props.onClose();
      }}
    >
      <p>Die Änderung wird mit Datum und Person festgehalten; die Karte zeigt am Terminal sofort den neuen Namen.</p>
      <div class="form-grid">
        <Field label={FIELD_LABELS.givenName!} {...form.field('givenName')} autocomplete="off" />
        <Field label={FIELD_LABELS.familyName!} {...form.field('familyName')} autocomplete="off" />
        <Field label={FIELD_LABELS.birthDate!} {...form.field('birthDate')} type="date" />
        <Field label={FIELD_LABELS.caseReference!} {...form.field('caseReference')} autocomplete="off" />
        {(districts.length > 0 || child.district) && (
          <SelectField
            label={FIELD_LABELS.district!}
            {...form.control('district')}
            options={districtOptions(districts, child.district)}
          />
        )}
      </div>
    </FormDialog>
  );
}
