import { FAMILY_BENEFIT_LABELS, formatCardNumber, LANGUAGE_INFO } from '@tk/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { components } from '../api-types';
import { Alert, Button, Field } from '../ui';
import { htmlLang, LanguageSwitch, useFamilyLanguage } from './family-language';
import { FAMILY_TEXTS } from './family-texts';

type FamilyBalance = components['schemas']['FamilyBalance'];

/**
 * The public family page (`/familie`): card number and access code in, the child's entitlements and
 * last bookings out. Phone first, seven languages (Arabic right to left), no cookies and no storage:
 * the answer lives in memory only and is gone with "Schließen" or a reload. The card number may come
 * prefilled from the letter's QR code (`?karte=`); the code never does.
 */
export function FamilyPage() {
  const [lang, setLang] = useFamilyLanguage((l) => FAMILY_TEXTS[l].title);
  const [cardNumber, setCardNumber] = useState(() => {
    const digits = (new URLSearchParams(location.search).get('karte') ?? '').replace(/\D/g, '').slice(0, 16);
    return digits ? formatCardNumber(digits) : '';
  });
  const [accessCode, setAccessCode] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [balance, setBalance] = useState<FamilyBalance>();
  const resultRef = useRef<HTMLElement>(null);
  const t = FAMILY_TEXTS[lang];
  const info = LANGUAGE_INFO[lang];

  useEffect(() => {
    if (balance) resultRef.current?.focus();
  }, [balance]);

  const money = (cents: number) =>
    new Intl.NumberFormat(info.locale, { style: 'currency', currency: 'EUR' }).format(cents / 100);
  const date = (iso: string) =>
    new Intl.DateTimeFormat(info.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));

  async function submit(event: Event) {
    event.preventDefault();
    if (!cardNumber.trim() || !accessCode.trim()) {
      setError(t.missing);
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const result = await api.POST('/api/v1/family/balance', { body: { cardNumber, accessCode } });
      if (result.data) {
        setBalance(result.data);
        setAccessCode('');
      } else if (result.response.status === 404 || result.response.status === 400) setError(t.denied);
      else if (result.response.status === 429) {
        const seconds = Number(result.response.headers.get('retry-after') ?? 3600);
        setError(t.throttled.replace('{n}', String(Math.max(1, Math.ceil(seconds / 60)))));
      } else setError(t.failed);
    } catch {
      setError(t.failed);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="family" lang={htmlLang(lang)} dir={info.dir}>
      <LanguageSwitch lang={lang} label={t.language} onChange={setLang} />
      <h1>{t.title}</h1>
      <p class="muted">{t.intro}</p>

      {balance ? (
        <section class="card family-result" aria-labelledby="family-child" tabIndex={-1} ref={resultRef}>
          <h2 id="family-child">
            <bdi>{t.childHeading.replace('{n}', balance.holder.displayName)}</bdi>
          </h2>
          <Alert tone={balance.card.status === 'active' ? 'success' : 'warning'}>
            {t.cardStatus[balance.card.status]}
          </Alert>
          <h3>{t.entitlements}</h3>
          {balance.entitlements.length === 0 ? (
            <p>{t.noEntitlements}</p>
          ) : (
            <ul class="family-entitlements">
              {balance.entitlements.map((e, i) => (
                <li key={`${e.benefitType}-${i}`}>
                  <strong>{FAMILY_BENEFIT_LABELS[lang][e.benefitType]}</strong>
                  <dl>
                    {e.availableCents !== undefined && (
                      <div>
                        <dt>{t.available}</dt>
                        <dd>
                          <bdi>{money(e.availableCents)}</bdi>
                        </dd>
                      </div>
                    )}
                    {e.lunchAvailableToday !== undefined && (
                      <div>
                        <dt>{t.lunchToday}</dt>
                        <dd>{e.lunchAvailableToday ? t.lunchOpen : t.lunchTaken}</dd>
                      </div>
                    )}
                    <div>
                      <dt>{t.validTo}</dt>
                      <dd>
                        <bdi>{date(e.validTo)}</bdi>
                      </dd>
                    </div>
                  </dl>
                </li>
              ))}
            </ul>
          )}
          <h3>{t.recent}</h3>
          {balance.recentRedemptions.length === 0 ? (
            <p>{t.noRecent}</p>
          ) : (
            <ul class="family-bookings">
              {balance.recentRedemptions.map((r, i) => (
                <li key={`${r.serviceDate}-${i}`}>
                  <span class="family-booking-head">
                    <bdi>{date(r.serviceDate)}</bdi> · <bdi>{r.providerName}</bdi>
                  </span>
                  <span>
                    {FAMILY_BENEFIT_LABELS[lang][r.benefitType]}:{' '}
                    <bdi class={r.status === 'reversed' ? 'family-reversed' : undefined}>{money(r.amountCents)}</bdi>
                    {r.status === 'reversed' && ` (${t.reversed})`}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <Button variant="secondary" onClick={() => setBalance(undefined)}>
            {t.close}
          </Button>
          <p class="family-links">
            <a href={`/anbieter?lang=${lang}`}>{t.providersLink}</a>
          </p>
        </section>
      ) : (
        <form class="card" onSubmit={submit} noValidate>
          {error && <Alert tone="error">{error}</Alert>}
          <Field
            label={t.cardNumber}
            name="cardNumber"
            inputMode="numeric"
            autocomplete="off"
            class="card-number-input"
            dir="ltr"
            hint={t.cardNumberHint}
            required
            value={cardNumber}
            onInput={(e) => setCardNumber(e.currentTarget.value)}
          />
          <Field
            label={t.accessCode}
            name="accessCode"
            dir="ltr"
            autocomplete="off"
            autocapitalize="none"
            spellcheck={false}
            hint={t.accessCodeHint}
            required
            value={accessCode}
            onInput={(e) => setAccessCode(e.currentTarget.value)}
          />
          <Button type="submit" size="large" busy={busy}>
            {t.show}
          </Button>
          <p class="muted family-privacy">{t.privacy}</p>
          <p class="family-links">
            <a href={`/anbieter?lang=${lang}`}>{t.providersLink}</a>
          </p>
        </form>
      )}
    </main>
  );
}
