import type { BenefitType } from './benefits.ts';

/**
 * The languages in which families are addressed (the card letter and the public family pages):
 * German first, Leichte Sprache, and the languages most asked for in German cities' social offices.
 */
export const FAMILY_LANGUAGES = ['de', 'de-simple', 'en', 'tr', 'ar', 'uk', 'ru'] as const;
export type FamilyLanguage = (typeof FAMILY_LANGUAGES)[number];

export interface LanguageInfo {
  /** The language's name in itself, for the language switch. */
  name: string;
  /** BCP 47 tag for `lang` attributes and `Intl` (Arabic with Latin digits, like the card number). */
  locale: string;
  dir: 'ltr' | 'rtl';
}

export const LANGUAGE_INFO: Record<FamilyLanguage, LanguageInfo> = {
  de: { name: 'Deutsch', locale: 'de-DE', dir: 'ltr' },
  'de-simple': { name: 'Leichte Sprache', locale: 'de-DE', dir: 'ltr' },
  en: { name: 'English', locale: 'en-GB', dir: 'ltr' },
  tr: { name: 'Türkçe', locale: 'tr-TR', dir: 'ltr' },
  ar: { name: 'العربية', locale: 'ar-u-nu-latn', dir: 'rtl' },
  uk: { name: 'Українська', locale: 'uk-UA', dir: 'ltr' },
  ru: { name: 'Русский', locale: 'ru-RU', dir: 'ltr' },
};

export function isFamilyLanguage(value: unknown): value is FamilyLanguage {
  return typeof value === 'string' && (FAMILY_LANGUAGES as readonly string[]).includes(value);
}

/** What each benefit is called for families, in each language (plain words, not the legal terms). */
export const FAMILY_BENEFIT_LABELS: Record<FamilyLanguage, Record<BenefitType, string>> = {
  de: {
    lunch: 'Mittagessen',
    participation: 'Verein, Musik und Freizeit (Teilhabe)',
    tutoring: 'Lernförderung (Nachhilfe)',
    trip: 'Ausflug / Klassenfahrt',
    school_supplies: 'Schulbedarf',
    transport: 'Schülerbeförderung',
  },
  'de-simple': {
    lunch: 'Mittag-Essen',
    participation: 'Verein, Musik und Freizeit',
    tutoring: 'Nach-Hilfe',
    trip: 'Ausflug mit der Klasse',
    school_supplies: 'Sachen für die Schule',
    transport: 'Fahrt zur Schule',
  },
  en: {
    lunch: 'Lunch',
    participation: 'Clubs, music and leisure',
    tutoring: 'Tutoring',
    trip: 'School trip',
    school_supplies: 'School supplies',
    transport: 'School transport',
  },
  tr: {
    lunch: 'Öğle yemeği',
    participation: 'Kulüp, müzik ve boş zaman',
    tutoring: 'Ders takviyesi (özel ders)',
    trip: 'Okul gezisi',
    school_supplies: 'Okul malzemeleri',
    transport: 'Okul ulaşımı',
  },
  ar: {
    lunch: 'وجبة الغداء',
    participation: 'النوادي والموسيقى وأنشطة وقت الفراغ',
    tutoring: 'دروس التقوية',
    trip: 'الرحلات المدرسية',
    school_supplies: 'اللوازم المدرسية',
    transport: 'النقل المدرسي',
  },
  uk: {
    lunch: 'Обід',
    participation: 'Гуртки, музика та дозвілля',
    tutoring: 'Допомога в навчанні (репетитор)',
    trip: 'Екскурсія / шкільна поїздка',
    school_supplies: 'Шкільне приладдя',
    transport: 'Проїзд до школи',
  },
  ru: {
    lunch: 'Обед',
    participation: 'Кружки, музыка и досуг',
    tutoring: 'Помощь в учёбе (репетитор)',
    trip: 'Экскурсия / школьная поездка',
    school_supplies: 'Школьные принадлежности',
    transport: 'Проезд до школы',
  },
};
