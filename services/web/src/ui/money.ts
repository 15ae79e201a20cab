/** Money, date and card-number helpers shared with the API (integer cents, Luhn, Berlin dates), from @tk/core. */
export {
  formatCardNumber,
  formatCents,
  formatGermanDate as formatDate,
  isValidCardNumber,
  luhnCheckDigit,
  parseEuroToCents,
} from '@tk/core';

import { berlinDate } from '@tk/core';

/** Today's date in Europe/Berlin as `YYYY-MM-DD` (service dates are Berlin dates). */
export const berlinToday = (now: Date = new Date()): string => berlinDate(now);
