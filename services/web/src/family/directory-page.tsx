import { BENEFIT_TYPES, type BenefitType, FAMILY_BENEFIT_LABELS, LANGUAGE_INFO } from '@tk/core';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { components } from '../api-types';
import { Alert, Button, Field } from '../ui';
import { htmlLang, LanguageSwitch, useFamilyLanguage } from './family-language';
import { FAMILY_TEXTS } from './family-texts';

type PublicProvider = components['schemas']['PublicProvider'];

/** Benefits a family can use at a provider (cash benefits are paid out, not booked there). */
const LISTED_BENEFITS = BENEFIT_TYPES.filter((b) => b !== 'school_supplies' && b !== 'transport');

/**
 * The public directory (`/anbieter`): where the card can be used, by benefit and town, searchable.
 * Public and phone first like /familie, in the same seven languages; no cookies, no storage.
 */
export function DirectoryPage() {
  const [lang, setLang] = useFamilyLanguage((l) => FAMILY_TEXTS[l].directory.title);
  const t = FAMILY_TEXTS[lang];
  const d = t.directory;
  const [benefitType, setBenefitType] = useState<BenefitType | ''>('');
  const [q, setQ] = useState('');
  const [items, setItems] = useState<PublicProvider[]>();
  const [failed, setFailed] = useState(false);

  async function load(query: { benefitType?: BenefitType; q?: string }) {
    setFailed(false);
    try {
      const { data } = await api.GET('/api/v1/public/providers', { params: { query } });
      if (data) setItems(data.items);
      else setFailed(true);
    } catch {
      setFailed(true);
    }
  }

  useEffect(() => {
    void load({});
  }, []);

  function submit(event: Event) {
    event.preventDefault();
    void load({ ...(benefitType ? { benefitType } : {}), ...(q.trim() ? { q: q.trim() } : {}) });
  }

  return (
    <main id="main" class="family" lang={htmlLang(lang)} dir={LANGUAGE_INFO[lang].dir}>
      <LanguageSwitch lang={lang} label={t.language} onChange={setLang} />
      <h1>{d.title}</h1>
      <p class="muted">{d.intro}</p>
      <form class="card" onSubmit={submit} aria-label={d.title}>
        <div class="field">
          <label for="directory-benefit">{d.benefit}</label>
          <select
            id="directory-benefit"
            class="family-select"
            value={benefitType}
            onChange={(e) => setBenefitType(e.currentTarget.value as BenefitType | '')}
          >
            <option value="">{d.allBenefits}</option>
            {LISTED_BENEFITS.map((b) => (
              <option key={b} value={b}>
                {FAMILY_BENEFIT_LABELS[lang][b]}
              </option>
            ))}
          </select>
        </div>
        <Field label={d.search} name="q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <Button type="submit" size="large">
          {d.submit}
        </Button>
      </form>
      {failed && <Alert tone="error">{d.failed}</Alert>}
      {items && (
        <section aria-labelledby="directory-count">
          <h2 id="directory-count" aria-live="polite">
            {items.length === 0 ? d.none : d.count.replace('{n}', String(items.length))}
          </h2>
          <ul class="family-providers">
            {items.map((p) => (
              <li key={p.id} class="card">
                <h3>
                  <bdi>{p.name}</bdi>
                </h3>
                <p>
                  {p.benefitTypes
                    .filter((b): b is BenefitType => (BENEFIT_TYPES as readonly string[]).includes(b))
                    .map((b) => FAMILY_BENEFIT_LABELS[lang][b])
                    .join(' · ')}
                </p>
                <p dir="ltr" class="family-address">
                  {[p.address.street, [p.address.postalCode, p.address.town].filter(Boolean).join(' ')]
                    .filter(Boolean)
                    .join(', ')}
                </p>
                {p.contact?.email && (
                  <p dir="ltr" class="family-address">
                    <a href={`mailto:${p.contact.email}`}>{p.contact.email}</a>
                  </p>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <p class="family-links">
        <a href={`/familie?lang=${lang}`}>{d.balanceLink}</a>
      </p>
    </main>
  );
}
