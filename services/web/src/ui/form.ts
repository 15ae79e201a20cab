import { ApiError, germanMessage } from '../api/problems';

/** Field name → German error text, for one form. Keys are body paths joined with `.` (`address.town`). */
export type FieldErrors = Record<string, string>;

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
 * problem carries one in `detailDe`), or the field a known code belongs to.
 */
export function fieldErrorsOf(err: unknown, known: readonly string[] = []): FieldErrors {
  if (!(err instanceof ApiError) || !err.problem) return {};
  const problem = err.problem as ApiError['problem'] & { detailDe?: string };
  const result: FieldErrors = {};
  const german = problem.detailDe ?? (err.code === 'validation_failed' ? INVALID_VALUE : err.message);
  for (const e of problem.errors ?? []) {
    const field = pointerToField(e.pointer);
    if (field && !result[field]) result[field] = german;
  }
  const byCode = CODE_FIELDS[err.code];
  if (byCode && !result[byCode]) result[byCode] = germanMessage(err.code, problem, err.status);
  if (known.length === 0) return result;
  // Errors on fields this form does not show stay in the summary only.
  return Object.fromEntries(Object.entries(result).filter(([k]) => known.includes(k)));
}

/** The sentence on top of a form: the German problem text, or the rule's German detail. */
export function summaryOf(err: unknown): string {
  if (err instanceof ApiError) {
    const detailDe = (err.problem as { detailDe?: string } | undefined)?.detailDe;
    return detailDe ?? err.message;
  }
  return germanMessage('network');
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
