import type { Session } from '../../session';
import { SubNav } from '../../ui/subnav';
import { CanteenMode } from './canteen-mode';
import { OwnDataPage } from './own-data-page';
import { StatementsPage } from './statements-page';
import { TerminalPage } from './terminal-page';

const TABS = [
  { path: '/terminal', label: 'Buchen' },
  { path: '/terminal/kantine', label: 'Kantine' },
  { path: '/terminal/abrechnungen', label: 'Abrechnungen' },
  { path: '/terminal/daten', label: 'Unsere Daten' },
] as const;

/** The web terminal for provider staff: booking, canteen mode, and (later) settlement statements. */
export function TerminalSection({ path, session }: { path: string; session: Session }) {
  // Only the provider admin keeps the provider's own data.
  const tabs = TABS.filter((t) => t.path !== '/terminal/daten' || session.user.role === 'provider_admin');
  const current = tabs.find((t) => t.path === path) ?? TABS[0];
  return (
    <>
      <h1 class="visually-hidden">Terminal</h1>
      <SubNav label="Terminal" tabs={tabs} current={current} class="terminal" />
      {current.path === '/terminal' && <TerminalPage />}
      {current.path === '/terminal/kantine' && <CanteenMode />}
      {current.path === '/terminal/abrechnungen' && <StatementsPage />}
      {current.path === '/terminal/daten' && <OwnDataPage session={session} />}
    </>
  );
}
