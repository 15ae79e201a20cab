import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { messageOf } from '../api/problems';
import { start } from '../session';
import { Alert, Button, Field } from '../ui';

export interface LoginPageProps {
  /** Why the user is here again, e.g. an expired session. */
  notice?: string | undefined;
}

export function LoginPage({ notice }: LoginPageProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError('Bitte Benutzername und Passwort eingeben.');
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      start(unwrap(await api.POST('/api/v1/auth/login', { body: { username, password } })));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <main id="main" class="login">
      <h1>Teilhabekarte</h1>
      <p class="muted">Bildung und Teilhabe – Anmeldung für Anbieter und Verwaltung</p>
      {notice && <Alert tone="warning">{notice}</Alert>}
      <form class="card" onSubmit={submit} noValidate>
        <h2>Anmelden</h2>
        {error && <Alert tone="error">{error}</Alert>}
        <Field
          label="Benutzername"
          name="username"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <Field
          label="Passwort"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <Button type="submit" size="large" busy={busy}>
          Anmelden
        </Button>
      </form>
      <p class="muted">
        Neu als Anbieter? <a href="/anbieter/registrieren">Als Anbieter registrieren</a>
      </p>
    </main>
  );
}
