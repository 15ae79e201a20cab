import type { ComponentChildren, Ref } from 'preact';
import { Alert } from './alert';
import { Button } from './button';
import { Modal } from './modal';

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
  /** The dialog's `<form>`, e.g. `useForm().ref` (focus goes to the first invalid field). */
  formRef?: Ref<HTMLFormElement | null>;
}

/**
 * A modal form on the native <dialog> (focus trap and Escape included) with its own ids, so several
 * can live on one page. Enter in a field submits.
 */
export function FormDialog(props: FormDialogProps) {
  return (
    <Modal open={props.open} title={props.title} onCancel={props.onCancel}>
      {(titleId) => (
        <form
          ref={props.formRef}
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
      )}
    </Modal>
  );
}
