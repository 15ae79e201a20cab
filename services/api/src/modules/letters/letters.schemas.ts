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

export const PrintCardLettersBody = z.object({
  cardIds: z.array(z.string().min(1).max(64)).min(1).max(500).describe('Active cards, e.g. all cards of an import'),
  lang: PrintCardLetterBody.shape.lang,
});
