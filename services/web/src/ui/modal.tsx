import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/**
 * A modal on the native <dialog> (focus trap, Escape and the backdrop come with it), labelled by its
 * own title id, so several can live on one page. `ConfirmDialog` and `FormDialog` are built on it.
 */
export function Modal(props: {
  open: boolean;
  title: string;
  onCancel: () => void;
  children: (titleId: string) => ComponentChildren;
}) {
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
      {props.children(titleId)}
    </dialog>
  );
}
