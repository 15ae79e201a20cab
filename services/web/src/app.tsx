import { ROLE_NAMES } from '@tk/core';
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { DirectoryPage } from './family/directory-page';
import { FamilyPage } from './family/family-page';
import { LoginPage } from './login/login-page';
import { ProviderRegistrationPage, REGISTRATION_PATH } from './public/provider-registration-page';
import { linkClick, navigate, usePath } from './router';
import { type SectionInfo, sectionsFor } from './sections';
import { AccountingPage } from './sections/accounting/accounting-page';
import { AdminPage } from './sections/admin/admin-page';
import { CaseworkPage } from './sections/casework/casework-page';
import { TerminalSection } from './sections/terminal/terminal-section';
import { logout, type Session, type SessionState, session } from './session';
import { Button } from './ui';

const PAGES: Record<SectionInfo['key'], ComponentType<{ session: Session; path: string }>> = {
  terminal: TerminalSection,
  casework: CaseworkPage,
  accounting: AccountingPage,
  admin: AdminPage,
};

export const EXPIRED_MESSAGE = 'Sitzung abgelaufen – bitte erneut anmelden';

function useSession(): SessionState {
  const [state, setState] = useState(session.state);
  useEffect(() => session.subscribe(setState), []);
  return state;
}

/**
 * Public pages (families, the provider directory, a provider's registration) need no sign-in;
 * everything else is the signed-in back office and terminal.
 */
export function App() {
  const path = usePath();
  if (path === '/familie' || path.startsWith('/familie/')) return <FamilyPage />;
  if (path === REGISTRATION_PATH) return <ProviderRegistrationPage />;
  if (path === '/anbieter' || path.startsWith('/anbieter/')) return <DirectoryPage />;
  return <SignedInApp path={path} />;
}

function SignedInApp({ path }: { path: string }) {
  const state = useSession();

  // Any interaction counts as activity: an active user's token is refreshed before it expires.
  useEffect(() => {
    const touch = () => session.touch();
    addEventListener('pointerdown', touch, { passive: true });
    addEventListener('keydown', touch, { passive: true });
    return () => {
      removeEventListener('pointerdown', touch);
      removeEventListener('keydown', touch);
    };
  }, []);

  const signedIn = state.status === 'signed-in';
  const sections = signedIn ? sectionsFor(state.session.user.role) : [];
  const current = sections.find((s) => path === s.path || path.startsWith(`${s.path}/`));

  useEffect(() => {
    if (!signedIn && path !== '/login') navigate('/login', { replace: true });
    else if (signedIn && !current && sections[0]) navigate(sections[0].path, { replace: true });
  }, [signedIn, path, current, sections[0]]);

  useEffect(() => {
    document.title = current ? `${current.label} – Teilhabekarte` : 'Anmelden – Teilhabekarte';
  }, [current]);

  if (state.status === 'signed-out') {
    return <LoginPage notice={state.reason === 'expired' ? EXPIRED_MESSAGE : undefined} />;
  }
  const { user } = state.session;
  const Page = current ? PAGES[current.key] : undefined;
  return (
    <>
      <a class="skip-link" href="#main">
        Zum Inhalt springen
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <a class="brand" href={sections[0]?.path ?? '/'} onClick={linkClick}>
            Teilhabekarte
          </a>
          <span class="user">
            <span class="visually-hidden">Angemeldet als </span>
            <strong data-testid="username">{user.username}</strong> · {ROLE_NAMES[user.role]}
          </span>
          <Button variant="ghost" onClick={logout}>
            Abmelden
          </Button>
        </div>
      </header>
      <nav class="mainnav" aria-label="Hauptnavigation">
        <ul>
          {sections.map((s) => (
            <li key={s.key}>
              <a href={s.path} onClick={linkClick} aria-current={s === current ? 'page' : undefined}>
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {Page ? <Page session={state.session} path={path} /> : null}
      </main>
    </>
  );
}
