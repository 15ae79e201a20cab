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

export const PrintCardLettersBody = z
  .object({
    cardIds: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(500)
      .describe('Active cards, e.g. a selection in the search'),
    importJobId: z
      .string()
      .min(1)
      .max(64)
      .describe('Instead of `cardIds`: every card this import issued that is still active, in import order'),
    lang: PrintCardLetterBody.shape.lang,
  })
  .partial()
  .refine((b) => (b.cardIds === undefined) !== (b.importJobId === undefined), 'either cardIds or importJobId');
