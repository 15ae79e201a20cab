import { useEffect, useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { messageOf } from '../../api/problems';
import type { Session } from '../../session';
import { Alert, Button, type Column, Field, formatDate, Table } from '../../ui';
import { type FieldErrors, fieldErrorsOf, focusFirstError, summaryOf } from '../../ui/form';
import { FormDialog } from '../../ui/form-dialog';
import { SelectField } from '../../ui/select-field';
import { isProviderRole, type Provider, ROLE_LABEL, ROLE_OPTIONS, type Role, type User } from './admin-api';

const MIN_PASSWORD = 12;

/**
 * Users. Admins: every user, create users of any role (provider roles with their provider),
 * deactivate / reactivate, set a new password. A provider admin: only its own provider's staff,
 * creating terminal staff (provider_staff) only — the server enforces the same.
 */
export function UsersPage({ session }: { session: Session }) {
  const isAdmin = session.user.role === 'admin';
  const [users, setUsers] = useState<User[]>();
  const [providers, setProviders] = useState<Provider[]>([]);
  const [ownProvider, setOwnProvider] = useState<Provider>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [reload, setReload] = useState(0);
  const [filterProvider, setFilterProvider] = useState('');
  const [resetting, setResetting] = useState<User>();
  const [newPassword, setNewPassword] = useState('');
  const [resetError, setResetError] = useState<string>();
  const [busy, setBusy] = useState<string>();

  useEffect(() => {
    let live = true;
    api
      .GET('/api/v1/users', { params: { query: filterProvider ? { providerId: filterProvider } : {} } })
      .then(unwrap)
      .then((list) => live && setUsers([...list.items].sort((a, b) => a.username.localeCompare(b.username))))
      .catch((err) => live && setError(messageOf(err)));
    return () => {
      live = false;
    };
  }, [reload, filterProvider]);

  useEffect(() => {
    if (isAdmin) {
      api
        .GET('/api/v1/providers', {})
        .then(unwrap)
        .then((list) => setProviders(list.items))
        .catch(() => undefined);
    } else if (session.user.providerId) {
      api
        .GET('/api/v1/providers/{id}', { params: { path: { id: session.user.providerId } } })
        .then(unwrap)
        .then(setOwnProvider)
        .catch(() => undefined);
    }
  }, [isAdmin]);

  const providerName = (id?: string) => (id ? (providers.find((p) => p.id === id)?.name ?? id) : '–');

  async function setActive(user: User, active: boolean) {
    setBusy(user.id);
    setError(undefined);
    try {
      unwrap(await api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { active } }));
      setNotice(
        active
          ? `${user.username} ist wieder aktiv.`
          : `${user.username} wurde deaktiviert und kann sich nicht mehr anmelden.`,
      );
      setReload((n) => n + 1);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(undefined);
    }
  }

  async function resetPassword() {
    if (!resetting) return;
    if (newPassword.length < MIN_PASSWORD) {
      setResetError(`Das Passwort braucht mindestens ${MIN_PASSWORD} Zeichen.`);
      return;
    }
    setBusy('reset');
    try {
      unwrap(
        await api.PATCH('/api/v1/users/{id}', {
          params: { path: { id: resetting.id } },
          body: { password: newPassword },
        }),
      );
      setNotice(`Neues Passwort für ${resetting.username} gesetzt. Bitte sicher übermitteln.`);
      setResetting(undefined);
    } catch (err) {
      setResetError(messageOf(err));
    } finally {
      setBusy(undefined);
    }
  }

  const columns: Column<User>[] = [
    {
      header: 'Benutzername',
      cell: (u) => (
        <>
          {u.username}
          <span class="cell-sub">seit {formatDate(u.createdAt.slice(0, 10))}</span>
        </>
      ),
    },
    { header: 'Rolle', cell: (u) => ROLE_LABEL[u.role] },
    ...(isAdmin ? [{ header: 'Anbieter', cell: (u: User) => providerName(u.providerId) }] : []),
    {
      header: 'Status',
      cell: (u) =>
        u.active ? <span class="status status-ok">aktiv</span> : <span class="status status-neutral">deaktiviert</span>,
    },
    {
      header: 'Aktionen',
      cell: (u) =>
        u.id === session.user.id ? (
          <span class="muted">Ihr Konto</span>
        ) : (
          <div class="row">
            <Button
              variant="secondary"
              busy={busy === u.id}
              aria-label={`${u.username} ${u.active ? 'deaktivieren' : 'reaktivieren'}`}
              onClick={() => void setActive(u, !u.active)}
            >
              {u.active ? 'Deaktivieren' : 'Reaktivieren'}
            </Button>
            <Button
              variant="secondary"
              aria-label={`Passwort von ${u.username} zurücksetzen`}
              onClick={() => {
                setNewPassword('');
                setResetError(undefined);
                setResetting(u);
              }}
            >
              Passwort
            </Button>
          </div>
        ),
    },
  ];

  const title = isAdmin ? 'Benutzer' : `Personal${ownProvider ? ` von ${ownProvider.name}` : ''}`;
  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">{title}</h2>
      {!isAdmin && (
        <p class="muted">
          Hier legen Sie Konten für das Terminal-Personal Ihrer Einrichtung an und deaktivieren sie wieder.
        </p>
      )}
      {notice && <Alert tone="success">{notice}</Alert>}
      {error && <Alert tone="error">{error}</Alert>}
      <CreateUserForm
        isAdmin={isAdmin}
        providers={providers}
        onCreated={(u) => {
          setNotice(`Benutzer ${u.username} (${ROLE_LABEL[u.role]}) angelegt.`);
          setReload((n) => n + 1);
        }}
      />
      <div class="card">
        {isAdmin && (
          <SelectField
            label="Nach Anbieter filtern"
            name="providerFilter"
            value={filterProvider}
            placeholder="alle Benutzer"
            options={providers.map((p) => ({ value: p.id, label: p.name }))}
            onChange={setFilterProvider}
          />
        )}
        {users && (
          <Table
            caption={isAdmin ? 'Benutzerkonten' : 'Konten Ihrer Einrichtung'}
            columns={columns}
            rows={users}
            rowKey={(u) => u.id}
            empty="Noch keine Benutzer."
          />
        )}
      </div>
      <FormDialog
        open={resetting !== undefined}
        title={`Neues Passwort für ${resetting?.username ?? ''}`}
        confirmLabel="Passwort setzen"
        busy={busy === 'reset'}
        error={resetError}
        onCancel={() => setResetting(undefined)}
        onSubmit={() => void resetPassword()}
      >
        <Field
          label="Neues Passwort"
          name="newPassword"
          type="password"
          autocomplete="new-password"
          hint={`Mindestens ${MIN_PASSWORD} Zeichen`}
          value={newPassword}
          onInput={(e) => setNewPassword(e.currentTarget.value)}
        />
      </FormDialog>
    </section>
  );
}

function CreateUserForm(props: { isAdmin: boolean; providers: Provider[]; onCreated: (u: User) => void }) {
  const { isAdmin } = props;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(isAdmin ? 'caseworker' : 'provider_staff');
  const [providerId, setProviderId] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const needsProvider = isAdmin && isProviderRole(role);

  async function submit(event: Event) {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!/^[\p{L}\p{N}._@-]{3,64}$/u.test(username.trim()))
      local.username = '3 bis 64 Zeichen: Buchstaben, Ziffern und . _ @ -';
    if (password.length < MIN_PASSWORD) local.password = `Mindestens ${MIN_PASSWORD} Zeichen.`;
    if (needsProvider && !providerId) local.providerId = 'Bitte den Anbieter wählen.';
    setErrors(local);
    if (Object.keys(local).length > 0) {
      setSummary('Bitte die markierten Felder prüfen.');
      focusFirstError(form.current);
      return;
    }
    setBusy(true);
    setSummary(undefined);
    try {
      const user = unwrap(
        await api.POST('/api/v1/users', {
          body: { username: username.trim(), password, role, ...(needsProvider ? { providerId } : {}) },
        }),
      );
      setUsername('');
      setPassword('');
      props.onCreated(user);
    } catch (err) {
      setErrors(fieldErrorsOf(err, ['username', 'password', 'role', 'providerId']));
      setSummary(summaryOf(err));
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={form} class="card" onSubmit={submit} noValidate aria-labelledby="create-user-title">
      <h3 id="create-user-title">{isAdmin ? 'Benutzer anlegen' : 'Personal anlegen'}</h3>
      {summary && (
        <div class="form-summary" tabIndex={-1}>
          <Alert tone="error">{summary}</Alert>
        </div>
      )}
      <div class="form-grid">
        <Field
          label="Benutzername"
          name="username"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          error={errors.username}
        />
        <Field
          label="Erstes Passwort"
          name="password"
          type="password"
          autocomplete="new-password"
          hint={`Mindestens ${MIN_PASSWORD} Zeichen; bitte sicher übermitteln.`}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          error={errors.password}
        />
        {isAdmin ? (
          <SelectField
            label="Rolle"
            name="role"
            value={role}
            options={ROLE_OPTIONS}
            onChange={(v) => setRole(v as Role)}
            error={errors.role}
          />
        ) : (
          <p class="muted">Rolle: Anbieter (Personal) – darf am Terminal buchen.</p>
        )}
        {needsProvider && (
          <SelectField
            label="Anbieter"
            name="providerId"
            value={providerId}
            placeholder="– bitte wählen –"
            options={props.providers.map((p) => ({ value: p.id, label: p.name }))}
            onChange={setProviderId}
            error={errors.providerId}
          />
        )}
      </div>
      <Button type="submit" busy={busy}>
        {isAdmin ? 'Benutzer anlegen' : 'Personal anlegen'}
      </Button>
    </form>
  );
}
