import { FAMILY_LANGUAGES } from '@tk/core';
import { z } from 'zod';

export const PrintCardLetterBody = z
  .object({
    lang: z
      .enum(FAMILY_LANGUAGES)
      .default('de')
      .describe('`de` (default), `de-simple` = Leichte Sprache, `en`, `tr`, `ar`, `uk`, `ru`'),
  })
  .partial();
