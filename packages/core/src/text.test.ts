import { describe, expect, it } from 'vitest';
import { hasForbiddenCharacters, toSepaText } from './text.ts';

describe('hasForbiddenCharacters', () => {
  it('finds C0/C1 controls and bidi controls, not letters of any script', () => {
    for (const bad of [
      'a\u0000',
      '\t',
      '\n',
      '\r',
      '\u001F',
      '\u007F',
      '\u009F',
      '\u202A',
      '\u202E',
      '\u2066',
      '\u2069',
    ]) {
      expect(hasForbiddenCharacters(bad)).toBe(true);
    }
    for (const good of ['Zoë Ünal-Öztürk', 'Мария', 'محمد', 'Łukasz Żółć', 'O’Brien', '\u200D']) {
      expect(hasForbiddenCharacters(good)).toBe(false);
    }
  });
});

describe('toSepaText', () => {
  it('keeps umlauts and ß, drops other accents, replaces the rest, cuts to the length', () => {
    expect(toSepaText('Förderverein Grün & Söhne – Café Zoë', 70)).toBe('Förderverein Grün & Söhne Cafe Zoe');
    expect(toSepaText('Çağla\u0007 «Şen»\u202E', 70)).toBe('Cagla Sen');
    expect(toSepaText('GROẞE Straße', 70)).toBe('GROSSE Straße');
    expect(toSepaText('abcdefghij', 4)).toBe('abcd');
    expect(toSepaText('🙂', 70)).toBe('');
  });
});
