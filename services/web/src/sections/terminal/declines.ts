import { ApiError, messageOf } from '../../api/problems';

/** Answers that mean "this card or booking is refused" (a red screen), not "something broke". */
const DECLINE_CODES = new Set([
  'invalid_code',
  'card_not_found',
  'card_blocked',
  'insufficient_budget',
  'already_redeemed_today',
  'approval_not_active',
  'service_date_invalid',
  'not_redeemable_here',
  'provider_not_approved',
  'meal_price_missing',
]);

export function isDecline(err: unknown): err is ApiError {
  return err instanceof ApiError && DECLINE_CODES.has(err.code);
}

export function isNetworkFailure(err: unknown): boolean {
  return !(err instanceof ApiError) || err.code === 'network';
}

export { messageOf };
