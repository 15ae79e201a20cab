import { readFileSync } from 'node:fs';
import { FAMILY_LANGUAGES, type FamilyLanguage } from '@tk/core';
import { z } from 'zod';

/**
 * The card letter's texts, one JSON file per language in `texts/` (a city edits them without touching
 * code). Placeholders: `{child}`, `{city}`, `{date}`, `{url}`. Every file must have every key: they
 * are checked at start, so a broken edit stops the process with the file and key named.
 */
const KEYS = [
  'title',
  'dateLine',
  'greeting',
  'intro',
  'cardHeading',
  'cutHint',
  'entitlementsHeading',
  'entitlementsNone',
  'columnBenefit',
  'columnPeriod',
  'columnBalance',
  'lunchBalance',
  'noBalance',
  'howHeading',
  'howClub',
  'howCanteen',
  'howTutor',
  'howTrip',
  'whereHeading',
  'whereText',
  'codeHeading',
  'codeText',
  'codeLabel',
  'cardNumberLabel',
  'codeValidity',
  'qrFamily',
  'qrProviders',
  'lostHeading',
  'lostText',
  'closing',
  'sender',
] as const;

const LetterTextsSchema = z.strictObject(
  Object.fromEntries(KEYS.map((k) => [k, z.string().min(1)])) as {
    [K in (typeof KEYS)[number]]: z.ZodString;
  },
);
export type LetterTexts = z.infer<typeof LetterTextsSchema>;

function load(lang: FamilyLanguage): LetterTexts {
  const file = new URL(`./texts/${lang}.json`, import.meta.url);
  const parsed = LetterTextsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`letter texts ${file.pathname}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export const LETTER_TEXTS: Record<FamilyLanguage, LetterTexts> = Object.fromEntries(
  FAMILY_LANGUAGES.map((lang) => [lang, load(lang)]),
) as Record<FamilyLanguage, LetterTexts>;

/** Fills `{name}` placeholders. */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
