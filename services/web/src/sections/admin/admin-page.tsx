import '../../ui/backoffice.css';
import type { Session } from '../../session';
import { SubNav } from '../../ui/subnav';
import { BASE } from './admin-api';
import { ProviderDetailPage } from './provider-detail-page';
import { ProviderFormPage } from './provider-form';
import { ProvidersPage } from './providers-page';
import { RetentionPage } from './retention-page';
import { SettingsPage } from './settings-page';
import { UsersPage } from './users-page';

const TABS = [
  { path: BASE, label: 'Anbieter' },
  { path: `${BASE}/benutzer`, label: 'Benutzer' },
  { path: `${BASE}/einstellungen`, label: 'Einstellungen und Sätze' },
  { path: `${BASE}/loeschfristen`, label: 'Löschfristen' },
] as const;

/**
 * Verwaltung. Admins: providers (bank data, four-eyes approval, meal prices), users, city settings
 * and rates. A provider admin sees only the staff of its own provider.
 */
export function AdminPage({ session, path }: { session: Session; path: string }) {
  if (session.user.role !== 'admin') {
    return (
      <div class="backoffice">
        <h1 class="visually-hidden">Verwaltung</h1>
        <UsersPage session={session} />
      </div>
    );
  }
  const providerId = path.startsWith(`${BASE}/anbieter/`)
    ? decodeURIComponent(path.slice(`${BASE}/anbieter/`.length))
    : undefined;
  const current = providerId ? TABS[0] : (TABS.find((t) => t.path === path) ?? TABS[0]);
  return (
    <div class="backoffice">
      <h1 class="visually-hidden">Verwaltung</h1>
      <SubNav label="Verwaltung" tabs={TABS} current={current} />
      {providerId === 'neu' ? (
        <ProviderFormPage />
      ) : providerId ? (
        <ProviderDetailPage key={providerId} id={providerId} session={session} />
      ) : current.path === `${BASE}/benutzer` ? (
        <UsersPage session={session} />
      ) : current.path === `${BASE}/einstellungen` ? (
        <SettingsPage />
      ) : current.path === `${BASE}/loeschfristen` ? (
        <RetentionPage />
      ) : (
        <ProvidersPage />
      )}
    </div>
  );
}
