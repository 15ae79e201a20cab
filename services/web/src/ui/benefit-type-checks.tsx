import { benefitTypeName, REDEEMABLE_BENEFIT_TYPES, type RedeemableBenefitType } from '@tk/core';

/** The benefit types a provider redeems, as checkboxes with one error (admin form and self-registration). */
export function BenefitTypeChecks(props: {
  legend: string;
  selected: readonly string[];
  error?: string | undefined;
  onToggle: (type: RedeemableBenefitType, on: boolean) => void;
  class?: string;
}) {
  const { error } = props;
  return (
    <fieldset
      class={props.class ?? 'checks'}
      aria-invalid={error ? true : undefined}
      aria-describedby={error ? 'types-error' : undefined}
    >
      <legend>{props.legend}</legend>
      {REDEEMABLE_BENEFIT_TYPES.map((t) => (
        <label key={t}>
          <input
            type="checkbox"
            name="benefitTypes"
            value={t}
            checked={props.selected.includes(t)}
            aria-invalid={error ? true : undefined}
            onChange={(e) => props.onToggle(t, e.currentTarget.checked)}
          />
          {benefitTypeName(t)}
        </label>
      ))}
      {error && (
        <p class="field-error" id="types-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
