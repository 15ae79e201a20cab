import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { Field } from '../../ui';
import { fieldErrorsOf, summaryOf } from '../../ui/form';
import { FormDialog } from '../../ui/form-dialog';
import type { Beneficiary } from './casework-api';

const FIELDS = ['givenName', 'familyName', 'birthDate', 'caseReference'] as const;
type Values = Record<(typeof FIELDS)[number], string>;

export const FIELD_LABELS: Record<string, string> = {
  givenName: 'Vorname',
  familyName: 'Nachname',
  birthDate: 'Geburtsdatum',
  caseReference: 'Aktenzeichen',
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
  const initial = (): Values => ({
    givenName: child.givenName,
    familyName: child.familyName,
    birthDate: child.birthDate,
    caseReference: child.caseReference,
  });
  const [values, setValues] = useState<Values>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!props.open) return;
    setValues(initial());
    setErrors({});
    setError(undefined);
  }, [props.open]);

  async function submit() {
    const changes = Object.fromEntries(
      FIELDS.filter((f) => values[f].trim() !== child[f]).map((f) => [f, values[f].trim()]),
    );
    const local = Object.fromEntries(FIELDS.filter((f) => !values[f].trim()).map((f) => [f, 'Bitte ausfüllen.']));
    setErrors(local);
    if (Object.keys(local).length > 0) return setError('Bitte die markierten Felder prüfen.');
    if (Object.keys(changes).length === 0) return setError('Es wurde nichts geändert.');
    setBusy(true);
    setError(undefined);
    try {
      props.onSaved(
        unwrap(await api.PATCH('/api/v1/beneficiaries/{id}', { params: { path: { id: child.id } }, body: changes })),
      );
    } catch (err) {
      setErrors(fieldErrorsOf(err, FIELDS));
      setError(summaryOf(err));
    } finally {
      setBusy(false);
    }
  }

  const field = (name: (typeof FIELDS)[number], type: 'text' | 'date' = 'text') => (
    <Field
      label={FIELD_LABELS[name]!}
      name={name}
      type={type}
      autocomplete="off"
      value={values[name]}
      onInput={(e) => {
        const value = e.currentTarget.value;
        setValues((v) => ({ ...v, [name]: value }));
      }}
      error={errors[name]}
    />
  );
  return (
    <FormDialog
      open={props.open}
      title="Stammdaten ändern"
      confirmLabel="Stammdaten speichern"
      busy={busy}
      error={error}
      onSubmit={() => void submit()}
      onCancel={props.onClose}
    >
      <p>Die Änderung wird mit Datum und Person festgehalten; die Karte zeigt am Terminal sofort den neuen Namen.</p>
      <div class="form-grid">
        {field('givenName')}
        {field('familyName')}
        {field('birthDate', 'date')}
        {field('caseReference')}
      </div>
    </FormDialog>
  );
}
