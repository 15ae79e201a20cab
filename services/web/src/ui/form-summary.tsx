import type { ComponentChildren } from 'preact';
import { Alert } from './alert';

/**
 * The German sentence on top of a form after a failed submit (`useForm().summary`). Focus lands here
 * when no field is marked invalid.
 */
export function FormSummary({
  text,
  id,
  children,
}: {
  text: string | undefined;
  id?: string;
  /** Shown after the sentence, e.g. a link to the record the error is about. */
  children?: ComponentChildren;
}) {
  if (!text) return null;
  return (
    <div class="form-summary" id={id} tabIndex={-1}>
      <Alert tone="error">
        {text}
        {children}
      </Alert>
    </div>
  );
}
