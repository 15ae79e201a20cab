import { Alert } from './alert';

/**
 * The German sentence on top of a form after a failed submit (`useForm().summary`). Focus lands here
 * when no field is marked invalid.
 */
export function FormSummary({ text, id }: { text: string | undefined; id?: string }) {
  if (!text) return null;
  return (
    <div class="form-summary" id={id} tabIndex={-1}>
      <Alert tone="error">{text}</Alert>
    </div>
  );
}
