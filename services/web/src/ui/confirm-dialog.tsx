import type { ComponentChildren } from 'preact';
import { Button } from './button';
import { Modal } from './modal';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  cancelLabel?: string;
  tone?: 'danger' | 'primary';
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A modal confirmation on the native <dialog> (focus trap and Escape come with it). */
export function ConfirmDialog(props: ConfirmDialogProps) {
  return (
    <Modal open={props.open} title={props.title} onCancel={props.onCancel}>
      {(titleId) => (
        <>
          <h2 id={titleId}>{props.title}</h2>
          {props.children}
          <div class="dialog-actions">
            <Button variant="secondary" onClick={props.onCancel}>
              {props.cancelLabel ?? 'Abbrechen'}
            </Button>
            <Button variant={props.tone ?? 'primary'} busy={props.busy ?? false} onClick={props.onConfirm}>
              {props.confirmLabel}
            </Button>
          </div>
        </>
      )}
    </Modal>
  );
}
