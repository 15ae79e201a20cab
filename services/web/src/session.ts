import type { components } from './api-types';

/**
 * The signed-in session. The access token lives in sessionStorage (ADR 0014): it survives a reload
 * of the tab but not the tab itself, and no other tab or later visitor of a shared terminal sees it.
 *
 * Expiry is counted on this device's own clock from the token's lifetime (`exp - iat`), so a terminal
 * whose clock is wrong still refreshes in time. While the user is active the token is refreshed
 * shortly before it expires; an idle session runs out and the user is sent back to the login page.
 */
export type SessionUser = components['schemas']['SessionUser'];
export type Role = SessionUser['role'];
/** The answer of login and refresh. */
type LoginResponse = components['schemas']['LoginResponse'];

export interface Session {
  token: string;
  user: SessionUser;
  /** `Date.now()` value after which this device treats the token as expired. */
  localExpiresAt: number;
}

export type SessionState =
  | { status: 'signed-in'; session: Session }
  | { status: 'signed-out'; reason?: 'expired' | 'logout' };

const STORAGE_KEY = 'tk.session';
/** Refresh this long before expiry (at most a quarter of the lifetime for short tokens). */
const REFRESH_BEFORE_MS = 2 * 60_000;

type Listener = (state: SessionState) => void;
const listeners = new Set<Listener>();
let state: SessionState = load();
let lastActivityAt = 0;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let expiryTimer: ReturnType<typeof setTimeout> | undefined;
let refresher: ((token: string) => Promise<LoginResponse | null>) | undefined;

function load(): SessionState {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return { status: 'signed-out' };
    const session = JSON.parse(raw) as Session;
    if (typeof session.token !== 'string' || typeof session.localExpiresAt !== 'number')
      return { status: 'signed-out' };
    if (session.localExpiresAt <= Date.now()) {
      sessionStorage.removeItem(STORAGE_KEY);
      return { status: 'signed-out', reason: 'expired' };
    }
    return { status: 'signed-in', session };
  } catch {
    return { status: 'signed-out' };
  }
}

/** Lifetime of a JWT in ms from its `iat` and `exp` claims; falls back to the server's expiresAt. */
export function tokenLifetimeMs(token: string, expiresAt: string): number {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { iat?: number; exp?: number };
    if (typeof claims.iat === 'number' && typeof claims.exp === 'number' && claims.exp > claims.iat) {
      return (claims.exp - claims.iat) * 1000;
    }
  } catch {
    // Not a JWT we can read: use the server's timestamp against our clock.
  }
  return Math.max(0, Date.parse(expiresAt) - Date.now());
}

function setState(next: SessionState) {
  state = next;
  for (const listener of listeners) listener(state);
}

function clearTimers() {
  clearTimeout(refreshTimer);
  clearTimeout(expiryTimer);
  refreshTimer = undefined;
  expiryTimer = undefined;
}

function schedule(session: Session, lifetimeMs: number) {
  clearTimers();
  const now = Date.now();
  const refreshAhead = Math.min(REFRESH_BEFORE_MS, lifetimeMs / 4);
  refreshTimer = setTimeout(() => void maybeRefresh(), Math.max(0, session.localExpiresAt - refreshAhead - now));
  expiryTimer = setTimeout(() => expire(), Math.max(0, session.localExpiresAt - now));
}

let issuedAt = 0;
let refreshing = false;
let refreshDue = false;

/** Refreshes only when the user did something since the current token was issued. */
async function maybeRefresh() {
  if (state.status !== 'signed-in' || !refresher || refreshing) return;
  if (lastActivityAt <= issuedAt) {
    // Idle: refresh as soon as the user touches the device again, or let the session run out.
    refreshDue = true;
    return;
  }
  refreshDue = false;
  refreshing = true;
  try {
    const result = await refresher(state.session.token);
    if (result) start(result);
  } finally {
    refreshing = false;
  }
}

export const session = {
  get state(): SessionState {
    return state;
  },
  token(): string | undefined {
    return state.status === 'signed-in' ? state.session.token : undefined;
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** How to exchange a token for a fresh one (set by the API client, avoids an import cycle). */
  setRefresher(fn: typeof refresher) {
    refresher = fn;
  },
  /** Called on every user interaction; keeps an active session alive. */
  touch() {
    lastActivityAt = Date.now();
    if (refreshDue) void maybeRefresh();
  },
};

/** Starts (or renews) the session from a login or refresh response. */
export function start(login: LoginResponse) {
  const lifetimeMs = tokenLifetimeMs(login.token, login.expiresAt);
  issuedAt = Date.now();
  const next: Session = { token: login.token, user: login.user, localExpiresAt: issuedAt + lifetimeMs };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  schedule(next, lifetimeMs);
  setState({ status: 'signed-in', session: next });
}

export function logout() {
  // End the session on the server too: the token is refused from now on (fire and forget).
  const token = session.token();
  if (token) {
    void fetch('/api/v1/auth/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      keepalive: true,
    }).catch(() => {});
  }
  clearTimers();
  sessionStorage.removeItem(STORAGE_KEY);
  setState({ status: 'signed-out', reason: 'logout' });
}

/** The token ran out or the server rejected it (401): back to the login page with a message. */
export function expire() {
  if (state.status !== 'signed-in') return;
  clearTimers();
  sessionStorage.removeItem(STORAGE_KEY);
  setState({ status: 'signed-out', reason: 'expired' });
}

// A session restored after a reload keeps its timers.
if (state.status === 'signed-in') {
  issuedAt = Date.now();
  const remaining = state.session.localExpiresAt - Date.now();
  schedule(state.session, Math.max(remaining, REFRESH_BEFORE_MS * 4));
}
