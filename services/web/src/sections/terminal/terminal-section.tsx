import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import type { Session } from '../../session';
import { SubNav } from '../../ui/subnav';
import { BulkPage } from './bulk-page';
import { CanteenMode } from './canteen-mode';
import { HistoryPage } from './history-page';
import { OwnDataPage } from './own-data-page';
import { StatementsPage } from './statements-page';
import { TerminalPage } from './terminal-page';

const TABS = [
  { path: '/terminal', label: 'Buchen' },
  { path: '/terminal/kantine', label: 'Kantine' },
  { path: '/terminal/sammelbuchung', label: 'Sammelbuchung' },
  { path: '/terminal/verlauf', label: 'Verlauf' },
  { path: '/terminal/abrechnungen', label: 'Abrechnungen' },
  { path: '/terminal/daten', label: 'Unsere Daten' },
] as const;

/** The benefit types this provider may redeem (null while loading or if it cannot be read). */
function useProviderBenefitTypes(providerId: string | undefined): readonly string[] | null {
  const [types, setTypes] = useState<readonly string[] | null>(null);
  useEffect(() => {
    if (!providerId) return;
    api
      .GET('/api/v1/providers/{id}', { params: { path: { id: providerId } } })
      .then(unwrap)
      .then((p) => setTypes(p.benefitTypes))
      .catch(() => setTypes(null));
  }, [providerId]);
  return types;
}

/**
 * The web terminal for provider staff: booking, canteen mode (only for lunch providers), the booking
 * history, settlement statements and, for the provider admin, bulk bookings from a file and the provider's own data.
 */
export function TerminalSection({ path, session }: { path: string; session: Session }) {
  const types = useProviderBenefitTypes(session.user.providerId);
  const tabs = TABS.filter(
    (t) =>
      ((t.path !== '/terminal/daten' && t.path !== '/terminal/sammelbuchung') ||
        session.user.role === 'provider_admin') &&
      (t.path !== '/terminal/kantine' || types === null || types.includes('lunch')),
  );
  const current = tabs.find((t) => t.path === path) ?? TABS[0];
  return (
    <>
      <h1 class="visually-hidden">Terminal</h1>
      <SubNav label="Terminal" tabs={tabs} current={current} class="terminal" />
      {current.path === '/terminal' && <TerminalPage />}
      {current.path === '/terminal/kantine' && <CanteenMode />}
      {current.path === '/terminal/sammelbuchung' && <BulkPage />}
      {current.path === '/terminal/verlauf' && <HistoryPage />}
      {current.path === '/terminal/abrechnungen' && <StatementsPage />}
      {current.path === '/terminal/daten' && <OwnDataPage session={session} />}
    </>
  );
}
