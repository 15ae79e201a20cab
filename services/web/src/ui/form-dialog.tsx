import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { Alert } from './alert';
import { Button } from './button';

export interface FormDialogProps {
  open: boolean;
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  tone?: 'danger' | 'primary';
  busy?: boolean;
  /** A failure of the action, shown inside the dialog. */
  error?: string | undefined;
  onSubmit: () => void;
  onCancel: () => void;
}

/**
 * A modal form on the native <dialog> (focus trap and Escape included) with its own ids, so several
 * can live on one page. Enter in a field submits.
 */
export function FormDialog(props: FormDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <form
        method="dialog"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!props.busy) props.onSubmit();
        }}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.open && props.children}
        {props.error && <Alert tone="error">{props.error}</Alert>}
        <div class="dialog-actions">
          <Button variant="secondary" onClick={props.onCancel}>
            Abbrechen
          </Button>
          <Button type="submit" variant={props.tone ?? 'primary'} busy={props.busy ?? false}>
            {props.confirmLabel}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
