import { BENEFIT_TYPE_NAMES, berlinDate } from '@tk/core';
import { api, unwrap } from '../../api/client';
import { Field, formatDate } from '../../ui';
import { FormDialog } from '../../ui/form-dialog';
import { TextAreaField } from '../../ui/select-field';
import { useForm } from '../../ui/use-form';
import type { Approval } from './casework-api';

/** Aufhebung: revoke an approval from an effective date, with a recorded reason. */
export function RevokeDialog(props: {
  approval: Approval | undefined;
  onClose: () => void;
  onRevoked: (a: Approval) => void;
}) {
  const { approval } = props;
  const form = useForm({
    initial: () => {
      // Today, moved into the approval's period.
      let effectiveDate = berlinDate(new Date());
      if (approval && effectiveDate < approval.validFrom) effectiveDate = approval.validFrom;
      if (approval && effectiveDate > approval.validTo) effectiveDate = approval.validTo;
      return { effectiveDate, reason: '' };
    },
    resetOn: approval?.id,
    invalidSummary: null,
    validate: (v) => ({
      effectiveDate: v.effectiveDate ? undefined : 'Bitte das Datum eingeben.',
      reason: v.reason.trim() ? undefined : 'Bitte den Grund der Aufhebung angeben.',
    }),
    async submit({ effectiveDate, reason }) {
      if (!approval) return;
      const revoked = unwrap(
        await api.POST('/api/v1/approvals/{id}/revoke', {
          params: { path: { id: approval.id } },
          body: { effectiveDate, reason: reason.trim() },
        }),
      );
      props.onRevoked(revoked);
    },
  });

  return (
    <FormDialog
      open={approval !== undefined}
      title="Bewilligung aufheben"
      confirmLabel="Aufheben"
      tone="danger"
      busy={form.busy}
      error={form.summary}
      formRef={form.ref}
      onSubmit={() => void form.submit()}
      onCancel={props.onClose}
    >
      {approval && (
        <>
          <p>
            {BENEFIT_TYPE_NAMES[approval.benefitType].long}, {formatDate(approval.validFrom)} –{' '}
            {formatDate(approval.validTo)}. Leistungen ab dem Datum der Aufhebung können nicht mehr gebucht werden.
          </p>
          <Field label="Aufgehoben ab" {...form.field('effectiveDate')} type="date" />
          <TextAreaField label="Grund" {...form.control('reason')} />
        </>
      )}
    </FormDialog>
  );
}
