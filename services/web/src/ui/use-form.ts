import type { RefObject, TargetedEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, germanMessage } from '../api/problems';

/** Field → German error text, for one form. Keys are body paths joined with `.` (`address.town`). */
export type FieldErrors = Record<string, string>;

type TextKeys<V> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V] & string;

export interface FormOptions<V extends object> {
  /** The values the form starts with (and `reset()` goes back to). */
  initial: V | (() => V);
  /** Checks before sending: field → German text (none: no key, or `undefined`). Any error stops the submit. */
  validate?: (values: V) => Partial<FieldErrors>;
  /**
   * Where the server's errors for a value are, when the body calls it differently: the text in
   * `amount` is sent as `amountCents`. Values not listed here keep their own name.
   */
  errorKeys?: { [K in keyof V]?: string | readonly string[] };
  /**
   * Sends the values; throws (an `ApiError`) on failure. A string it returns is shown as the success
   * notice. It gets the form, e.g. to clear some fields after success.
   */
  submit: (values: V, form: Form<V>) => Promise<unknown>;
  /** The summary on top when `validate` found something; `null`: none, the field errors say it (dialogs). */
  invalidSummary?: string | null;
  /** Starts over (initial values, no errors) whenever this changes, e.g. the record a dialog is opened for. */
  resetOn?: unknown;
}

export interface Form<V extends object> {
  values: V;
  /** Sets values; their field errors go away (the user is fixing them). */
  update: (patch: Partial<V>) => void;
  set: <K extends keyof V>(key: K, value: V[K]) => void;
  /** All field errors, by body path (also those of values listed in `errorKeys`). */
  errors: FieldErrors;
  /** The first error of a value, looked up under its `errorKeys`. */
  error: (key: keyof V) => string | undefined;
  /** The German sentence on top of the form after a failed submit. */
  summary: string | undefined;
  /** What the last successful submit returned. */
  notice: string | undefined;
  busy: boolean;
  /** For the `<form>`: after a failure, focus moves to the first invalid field inside it. */
  ref: RefObject<HTMLFormElement | null>;
  /** The form's onSubmit (prevents the page load), or call it without an event (dialogs). */
  submit: (event?: Event) => Promise<void>;
  /** Back to `initial` (or to `values`), without errors, summary or notice. */
  reset: (values?: V) => void;
  /** The props of a text `Field` for a value. */
  field: (key: TextKeys<V>) => {
    name: string;
    value: string;
    error: string | undefined;
    onInput: (event: TargetedEvent<HTMLInputElement, Event>) => void;
  };
  /** The props of a `SelectField` or `TextAreaField` for a value. */
  control: (key: TextKeys<V>) => {
    name: string;
    value: string;
    error: string | undefined;
    onChange: (value: string) => void;
  };
}

const INVALID_SUMMARY = 'Bitte die markierten Felder prüfen.';

/**
 * A form's state in one place: values, field errors from the browser's checks and from the
 * server's problem (`errors[].pointer`, or the field a code belongs to), the German summary on top,
 * busy while sending, and a success notice. Focus goes to the first invalid field after a failure.
 */
export function useForm<V extends object>(options: FormOptions<V>): Form<V> {
  const initial = () => (typeof options.initial === 'function' ? (options.initial as () => V)() : options.initial);
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLFormElement>(null);

  const keysOf = (key: keyof V): readonly string[] => {
    const mapped = options.errorKeys?.[key];
    return mapped === undefined ? [String(key)] : typeof mapped === 'string' ? [mapped] : mapped;
  };
  const update = (patch: Partial<V>) => {
    setValues((v) => ({ ...v, ...patch }));
    const cleared = Object.keys(patch).flatMap((k) => keysOf(k as keyof V));
    setErrors((e) => (cleared.some((k) => k in e) ? omit(e, cleared) : e));
  };

  const form: Form<V> = {
    values,
    update,
    set: (key, value) => update({ [key]: value } as unknown as Partial<V>),
    errors,
    error: (key) =>
      keysOf(key)
        .map((k) => errors[k])
        .find(Boolean),
    summary,
    notice,
    busy,
    ref,
    async submit(event) {
      event?.preventDefault();
      if (busy) return;
      setNotice(undefined);
      const local = withoutEmpty(options.validate?.(values) ?? {});
      setErrors(local);
      if (Object.keys(local).length > 0) {
        setSummary(options.invalidSummary === null ? undefined : (options.invalidSummary ?? INVALID_SUMMARY));
        focusFirstError(ref.current);
        return;
      }
      setSummary(undefined);
      setBusy(true);
      try {
        const message = await options.submit(values, form);
        if (typeof message === 'string') setNotice(message);
      } catch (err) {
        const shown = (Object.keys(values) as (keyof V)[]).flatMap(keysOf);
        setErrors(fieldErrorsOf(err, shown));
        setSummary(summaryOf(err));
        focusFirstError(ref.current);
      } finally {
        setBusy(false);
      }
    },
    reset(next) {
      setValues(next ?? initial());
      setErrors({});
      setSummary(undefined);
      setNotice(undefined);
    },
    field: (key) => ({
      name: key,
      value: values[key] as string,
      error: form.error(key),
      onInput: (event) => form.set(key, event.currentTarget.value as V[typeof key]),
    }),
    control: (key) => ({
      name: key,
      value: values[key] as string,
      error: form.error(key),
      onChange: (value) => form.set(key, value as V[typeof key]),
    }),
  };

  const resetKey = useRef(options.resetOn);
  useEffect(() => {
    if (resetKey.current === options.resetOn) return;
    resetKey.current = options.resetOn;
    form.reset();
  }, [options.resetOn]);

  return form;
}

function withoutEmpty(errors: Partial<FieldErrors>): FieldErrors {
  return Object.fromEntries(Object.entries(errors).filter((entry): entry is [string, string] => Boolean(entry[1])));
}

function omit(errors: FieldErrors, keys: readonly string[]): FieldErrors {
  return Object.fromEntries(Object.entries(errors).filter(([k]) => !keys.includes(k)));
}

/**
 * Problem codes that concern one field, so the form can show them at that field instead of (only)
 * on top. The text comes from problems.ts; the pointer of the problem, if any, wins.
 */
const CODE_FIELDS: Record<string, string> = {
  invalid_iban: 'iban',
  invalid_bic: 'bic',
  username_taken: 'username',
  case_reference_taken: 'caseReference',
  invalid_birth_date: 'birthDate',
  meal_price_above_cap: 'mealPriceCents',
  meal_price_exists: 'mealPriceValidFrom',
  meal_price_not_applicable: 'mealPriceCents',
  benefit_types_not_allowed: 'benefitTypes',
  category_required: 'category',
  unknown_cost_bearer: 'costBearer',
  rate_not_after_latest: 'validFrom',
  invalid_effective_date: 'effectiveDate',
  budget_below_booked: 'amountCents',
  provider_required: 'providerId',
};

/** What a field-level validation message says when the server's (English) detail is all we have. */
export const INVALID_VALUE = 'Bitte diesen Wert prüfen.';

/** A JSON pointer of a problem (`/address/town`) as a field key (`address.town`). */
export function pointerToField(pointer: string): string {
  return pointer
    .replace(/^\/(body\/)?/, '')
    .split('/')
    .filter(Boolean)
    .join('.');
}

/**
 * The field errors of a failed call: `errors[].pointer` of the problem (with its German text when the
 * problem carries one in `detailDe`), or the field a known code belongs to. Errors on fields the form
 * does not show (not in `shown`) stay in the summary only.
 */
export function fieldErrorsOf(err: unknown, shown: readonly string[]): FieldErrors {
  if (!(err instanceof ApiError) || !err.problem) return {};
  const problem = err.problem;
  const result: FieldErrors = {};
  const german = detailDeOf(err) ?? (err.code === 'validation_failed' ? INVALID_VALUE : err.message);
  for (const e of problem.errors ?? []) {
    const field = pointerToField(e.pointer);
    if (field && !result[field]) result[field] = german;
  }
  const byCode = CODE_FIELDS[err.code];
  if (byCode && !result[byCode]) result[byCode] = germanMessage(err.code, problem, err.status);
  return Object.fromEntries(Object.entries(result).filter(([k]) => shown.includes(k)));
}

/** The sentence on top of a form: the rule's German detail (`detailDe`), or the German problem text. */
export function summaryOf(err: unknown): string {
  if (err instanceof ApiError) return detailDeOf(err) ?? err.message;
  return germanMessage('network');
}

/** The German detail a business rule puts into its problem (a problem+json extension member). */
function detailDeOf(err: ApiError): string | undefined {
  const detailDe = err.problem?.detailDe;
  return typeof detailDe === 'string' ? detailDe : undefined;
}

/**
 * Moves focus to the first invalid control (or the error summary) of a form after it rendered, so
 * keyboard and screen-reader users land on what needs fixing.
 */
export function focusFirstError(form: HTMLElement | null | undefined): void {
  if (!form) return;
  requestAnimationFrame(() => {
    const target =
      form.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form.querySelector<HTMLElement>('.form-summary');
    target?.focus();
  });
}
