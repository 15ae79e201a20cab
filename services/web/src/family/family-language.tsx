import { FAMILY_LANGUAGES, type FamilyLanguage, isFamilyLanguage, LANGUAGE_INFO } from '@tk/core';
import { useEffect, useState } from 'preact/hooks';

/** The language from `?lang=`, else the browser's first family language, else German. */
function initialLanguage(): FamilyLanguage {
  const asked = new URLSearchParams(location.search).get('lang');
  if (isFamilyLanguage(asked)) return asked;
  for (const tag of navigator.languages ?? []) {
    const base = tag.toLowerCase().split('-')[0];
    if (isFamilyLanguage(base)) return base;
  }
  return 'de';
}

export const htmlLang = (lang: FamilyLanguage) => LANGUAGE_INFO[lang].locale.split('-u-')[0]!;

/**
 * The public pages' language: chosen on the page (never stored: no cookies, no storage), applied to
 * `<html lang dir>` so screen readers and the layout follow, and reset when the page is left.
 */
export function useFamilyLanguage(title: (lang: FamilyLanguage) => string) {
  const [lang, setLang] = useState<FamilyLanguage>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = htmlLang(lang);
    document.documentElement.dir = LANGUAGE_INFO[lang].dir;
    document.title = `${title(lang)} – Teilhabekarte`;
    return () => {
      document.documentElement.lang = 'de';
      document.documentElement.dir = 'ltr';
    };
  }, [lang]);
  return [lang, setLang] as const;
}

export function LanguageSwitch({
  lang,
  label,
  onChange,
}: {
  lang: FamilyLanguage;
  label: string;
  onChange: (lang: FamilyLanguage) => void;
}) {
  return (
    <div class="family-lang">
      <label for="family-lang">{label}</label>
      <select
        id="family-lang"
        value={lang}
        onChange={(e) => {
          const next = e.currentTarget.value;
          if (isFamilyLanguage(next)) onChange(next);
        }}
      >
        {FAMILY_LANGUAGES.map((code) => (
          <option key={code} value={code} lang={htmlLang(code)}>
            {LANGUAGE_INFO[code].name}
          </option>
        ))}
      </select>
    </div>
  );
}
