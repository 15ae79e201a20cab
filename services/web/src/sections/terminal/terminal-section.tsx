import { SubNav } from '../../ui/subnav';
import { CanteenMode } from './canteen-mode';
import { StatementsPage } from './statements-page';
import { TerminalPage } from './terminal-page';

const TABS = [
  { path: '/terminal', label: 'Buchen' },
  { path: '/terminal/kantine', label: 'Kantine' },
  { path: '/terminal/abrechnungen', label: 'Abrechnungen' },
] as const;

/** The web terminal for provider staff: booking, canteen mode, and (later) settlement statements. */
export function TerminalSection({ path }: { path: string }) {
  const current = TABS.find((t) => t.path === path) ?? TABS[0];
  return (
    <>
      <h1 class="visually-hidden">Terminal</h1>
      <SubNav label="Terminal" tabs={TABS} current={current} class="terminal" />
      {current.path === '/terminal' && <TerminalPage />}
      {current.path === '/terminal/kantine' && <CanteenMode />}
      {current.path === '/terminal/abrechnungen' && <StatementsPage />}
    </>
  );
}
