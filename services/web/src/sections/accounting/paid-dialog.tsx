import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Alert, ConfirmDialog, Field, formatDate } from '../../ui';
import { berlinToday } from '../../ui/format';

/**
 * "Als bezahlt markieren" with the bank's value date (Wertstellung). The date must lie between the
 * payment file's execution date and today; the server checks it too (400 `paid_on_invalid`), this
 * only says so before sending.
 */
export function PaidDialog({
  open,
  title,
  executionDate,
  busy,
  error,
  children,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  executionDate: string | undefined;
  busy: boolean;
  error: string | undefined;
  children?: ComponentChildren;
  onConfirm: (paidOn: string) => void;
  onCancel: () => void;
}) {
  const today = berlinToday();
  const [paidOn, setPaidOn] = useState(today);
  const [invalid, setInvalid] = useState<string>();
  useEffect(() => {
    if (open) {
      setPaidOn(executionDate && executionDate > today ? executionDate : today);
      setInvalid(undefined);
    }
  }, [open, executionDate, today]);

  function confirm() {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(paidOn)) return setInvalid('Bitte das Datum der Wertstellung angeben.');
    if (paidOn > today) return setInvalid('Das Datum der Wertstellung darf nicht in der Zukunft liegen.');
    if (executionDate && paidOn < executionDate) {
      return setInvalid(
        `Das Datum der Wertstellung darf nicht vor dem Ausführungsdatum (${formatDate(executionDate)}) liegen.`,
      );
    }
    setInvalid(undefined);
    onConfirm(paidOn);
  }

  return (
    <ConfirmDialog
      open={open}
      title={title}
      confirmLabel="Als bezahlt markieren"
      busy={busy}
      onConfirm={confirm}
      onCancel={onCancel}
    >
      {children}
      <Field
        name="paidOn"
        type="date"
        label="Wertstellung laut Kontoauszug"
        value={paidOn}
        required
        hint={
          executionDate
            ? `Frühestens am Ausführungsdatum ${formatDate(executionDate)}, spätestens heute.`
            : 'Spätestens heute.'
        }
        error={invalid}
        onInput={(e) => setPaidOn(e.currentTarget.value)}
      />
      {error && <Alert tone="error">{error}</Alert>}
    </ConfirmDialog>
  );
}
