import '../../ui/backoffice.css';
import type { Session } from '../../session';
import { SubNav } from '../../ui/subnav';
import { BASE } from './casework-api';
import { ChildPage } from './child-page';
import { ImportPage } from './import-page';
import { NewChildPage } from './new-child-page';
import { OutreachPage } from './outreach-page';
import { SearchPage } from './search-page';

const TABS = [
  { path: BASE, label: 'Kinder suchen', writes: false },
  { path: `${BASE}/neu`, label: 'Kind anlegen', writes: true },
  { path: `${BASE}/import`, label: 'Import (CSV)', writes: true },
  { path: `${BASE}/inanspruchnahme`, label: 'Inanspruchnahme', writes: true },
] as const;

/**
 * Fallbearbeitung: search children, the child page (approvals with budgets, card), forms for child
 * and approval, card actions and the CSV import. Caseworkers only (need-to-know: admins read no child
 * data; the navigation does not offer this section to them).
 */
export function CaseworkPage({ session, path }: { session: Session; path: string }) {
  const canWrite = session.user.role === 'caseworker';
  const tabs = TABS.filter((t) => canWrite || !t.writes);
  const childId = path.startsWith(`${BASE}/kind/`) ? decodeURIComponent(path.slice(`${BASE}/kind/`.length)) : undefined;
  const current = childId ? undefined : (tabs.find((t) => t.path === path) ?? tabs[0]);
  return (
    <div class="backoffice">
      <SubNav label="Fallbearbeitung" tabs={tabs} current={current} />
      {childId ? (
        <ChildPage key={childId} id={childId} canWrite={canWrite} />
      ) : current?.path === `${BASE}/neu` ? (
        <NewChildPage />
      ) : current?.path === `${BASE}/import` ? (
        <ImportPage />
      ) : current?.path === `${BASE}/inanspruchnahme` ? (
        <OutreachPage />
      ) : (
        <SearchPage canWrite={canWrite} />
      )}
    </div>
  );
}
