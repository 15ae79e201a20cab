import { berlinDate } from '@tk/core';
import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { Field, formatDate } from '../../ui';
import { fieldErrorsOf, summaryOf } from '../../ui/form';
import { FormDialog } from '../../ui/form-dialog';
import { TextAreaField } from '../../ui/select-field';
import { type Approval, BENEFIT_LABELS } from './casework-api';

/** Aufhebung: revoke an approval from an effective date, with a recorded reason. */
export function RevokeDialog(props: {
  approval: Approval | undefined;
  onClose: () => void;
  onRevoked: (a: Approval) => void;
}) {
  const { approval } = props;
  const [effectiveDate, setEffectiveDate] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!approval) return;
    const today = berlinDate(new Date());
    setEffectiveDate(
      today < approval.validFrom ? approval.validFrom : today > approval.validTo ? approval.validTo : today,
    );
    setReason('');
    setErrors({});
    setError(undefined);
  }, [approval?.id]);

  async function submit() {
    if (!approval) return;
    const local: Record<string, string> = {};
    if (!effectiveDate) local.effectiveDate = 'Bitte das Datum eingeben.';
    if (!reason.trim()) local.reason = 'Bitte den Grund der Aufhebung angeben.';
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      const revoked = unwrap(
        await api.POST('/api/v1/approvals/{id}/revoke', {
          params: { path: { id: approval.id } },
          body: { effectiveDate, reason: reason.trim() },
        }),
      );
      props.onRevoked(revoked);
    } catch (err) {
      setErrors(fieldErrorsOf(err, ['effectiveDate', 'reason']));
      setError(summaryOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <FormDialog
      open={approval !== undefined}
      title="Bewilligung aufheben"
      confirmLabel="Aufheben"
      tone="danger"
      busy={busy}
      error={error}
      onSubmit={() => void submit()}
      onCancel={props.onClose}
    >
      {approval && (
        <>
          <p>
            {BENEFIT_LABELS[approval.benefitType]}, {formatDate(approval.validFrom)} – {formatDate(approval.validTo)}.
            Leistungen ab dem Datum der Aufhebung können nicht mehr gebucht werden.
          </p>
          <Field
            label="Aufgehoben ab"
            name="effectiveDate"
            type="date"
            value={effectiveDate}
            onInput={(e) => setEffectiveDate(e.currentTarget.value)}
            error={errors.effectiveDate}
          />
          <TextAreaField label="Grund" name="reason" value={reason} onInput={setReason} error={errors.reason} />
        </>
      )}
    </FormDialog>
  );
}
