/**
 * Characters no name or free text may hold (api-v1.md, "text"): C0 and C1 control characters (incl.
 * NUL, tab, line breaks) and the bidirectional embedding/override/isolate controls, with which a name
 * could display reversed on the terminal.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const FORBIDDEN_TEXT = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

export function hasForbiddenCharacters(value: string): boolean {
  return FORBIDDEN_TEXT.test(value);
}

/** A German umlaut or ß: kept, every other accent is dropped (NFD + removing the combining marks). */
const GERMAN = /[ÄÖÜäöüß]/;

/**
 * Text in the character set German banks accept in SEPA files (Deutsche Kreditwirtschaft: the EPC Latin set
 * a–z A–Z 0–9 / - ? : ( ) . , ' + space, plus Ä Ö Ü ä ö ü ß & * $ %). Umlauts stay, so the account holder
 * still matches the bank's record (Verification of Payee); other accented letters lose their accent (é → e),
 * ẞ becomes SS, anything else (control characters, bidi marks, dashes, quotes, emoji) becomes a space;
 * runs of spaces collapse. Used when a payment file is written; the database and the UI keep the original.
 */
export function toSepaText(value: string, maxLength: number): string {
  const folded = Array.from(value.replace(/ẞ/g, 'SS'))
    .map((ch) => (GERMAN.test(ch) ? ch : ch.normalize('NFD').replace(/\p{M}/gu, '')))
    .join('');
  return folded
    .replace(/[^A-Za-z0-9/\-?:().,'+ ÄÖÜäöüß&*$%]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, maxLength)
    .trim();
}
