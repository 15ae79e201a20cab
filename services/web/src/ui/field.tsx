import type { ComponentChildren, JSX, TargetedEvent } from 'preact';
import { useId } from 'preact/hooks';

export interface FieldProps {
  name: string;
  value: string;
  onInput: (event: TargetedEvent<HTMLInputElement, Event>) => void;
  type?: 'text' | 'password' | 'date' | 'search' | 'tel';
  inputMode?: 'text' | 'numeric' | 'decimal';
  autocomplete?: string;
  autocapitalize?: 'none' | 'off' | 'sentences';
  spellcheck?: boolean;
  placeholder?: string;
  required?: boolean;
  disabled?: boolean;
  class?: string;
  /** Text direction of the input itself, e.g. `ltr` for a card number on a right-to-left page. */
  dir?: 'ltr' | 'rtl' | 'auto';
  label: string;
  /** A hint below the input (always visible). */
  hint?: ComponentChildren;
  /** An error below the input; marks the input invalid. */
  error?: string | undefined;
  /** Live feedback while typing (e.g. the card number check), announced politely. */
  status?: ComponentChildren;
  statusTone?: 'ok' | 'error' | 'neutral';
}

/** A labelled input with hint, live status and error, all wired with aria-describedby. */
export function Field({ label, hint, error, status, statusTone = 'neutral', ...input }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const statusId = `${id}-status`;
  const errorId = `${id}-error`;
  // Preact 11 types <input> as a union keyed by `type`; these props are a subset valid for every member.
  const attributes = input as JSX.IntrinsicElements['input'];
  const describedBy = [hint ? hintId : '', status ? statusId : '', error ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        {...attributes}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
      {hint && (
        <p class="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      <p class={`field-status field-status-${statusTone}`} id={statusId} aria-live="polite">
        {status}
      </p>
      {error && (
        <p class="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
