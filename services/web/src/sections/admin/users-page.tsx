import { ROLE_NAMES } from '@tk/core';
import { useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import type { Session } from '../../session';
import { Alert, Button, type Column, Field, formatDate, Table } from '../../ui';
import { FormDialog } from '../../ui/form-dialog';
import { FormSummary } from '../../ui/form-summary';
import { SelectField } from '../../ui/select-field';
import { useAction } from '../../ui/use-action';
import { useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import { isProviderRole, type Provider, type Role, type User } from './admin-api';

const ROLE_OPTIONS = Object.entries(ROLE_NAMES).map(([value, label]) => ({ value, label }));

const MIN_PASSWORD = 12;

/**
 * Users. Admins: every user, create users of any role (provider roles with their provider),
 * deactivate / reactivate, set a new password. A provider admin: only its own provider's staff,
 * creating terminal staff (provider_staff) only — the server enforces the same.
 */
export function UsersPage({ session }: { session: Session }) {
  const isAdmin = session.user.role === 'admin';
  const [filterProvider, setFilterProvider] = useState('');
  const list = useLoad(
    async (signal) => {
      const query = filterProvider ? { providerId: filterProvider } : {};
      const { items } = unwrap(await api.GET('/api/v1/users', { params: { query }, signal }));
      return items.sort((a, b) => a.username.localeCompare(b.username));
    },
    [filterProvider],
  );
  const users = list.data;
  // Admins pick a provider for provider roles; a provider admin sees its own provider's name.
  const providersLoad = useLoad(
    isAdmin ? async (signal) => unwrap(await api.GET('/api/v1/providers', { signal })).items : null,
    [isAdmin],
  );
  const providers = providersLoad.data ?? [];
  const ownProviderId = isAdmin ? undefined : session.user.providerId;
  const own = useLoad(
    ownProviderId
      ? async (signal) =>
          unwrap(await api.GET('/api/v1/providers/{id}', { params: { path: { id: ownProviderId } }, signal }))
      : null,
    [ownProviderId],
  );
  const ownProvider = own.data;
  const action = useAction();
  const error = action.error ?? list.error;
  const [notice, setNotice] = useState<string>();
  const [resetting, setResetting] = useState<User>();
  const passwordForm = useForm({
    initial: { newPassword: '' },
    invalidSummary: null,
    validate: (v) => ({
      newPassword:
        v.newPassword.length < MIN_PASSWORD ? `Das Passwort braucht mindestens ${MIN_PASSWORD} Zeichen.` : undefined,
    }),
    async submit(v) {
      if (!resetting) return;
      unwrap(
        await api.PATCH('/api/v1/users/{id}', {
          params: { path: { id: resetting.id } },
          body: { password: v.newPassword },
        }),
      );
      setNotice(`Neues Passwort für ${resetting.username} gesetzt. Bitte sicher übermitteln.`);
      setResetting(undefined);
    },
  });

  const providerName = (id?: string) => (id ? (providers.find((p) => p.id === id)?.name ?? id) : '–');

  const setActive = (user: User, active: boolean) =>
    action.run(user.id, async () => {
      unwrap(await api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { active } }));
      setNotice(
        active
          ? `${user.username} ist wieder aktiv.`
          : `${user.username} wurde deaktiviert und kann sich nicht mehr anmelden.`,
      );
      list.reload();
    });

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
    { header: 'Rolle', cell: (u) => ROLE_NAMES[u.role] },
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
              busy={action.busy === u.id}
              aria-label={`${u.username} ${u.active ? 'deaktivieren' : 'reaktivieren'}`}
              onClick={() => void setActive(u, !u.active)}
            >
              {u.active ? 'Deaktivieren' : 'Reaktivieren'}
            </Button>
            <Button
              variant="secondary"
              aria-label={`Passwort von ${u.username} zurücksetzen`}
              onClick={() => {
                passwordForm.reset();
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
          setNotice(`Benutzer ${u.username} (${ROLE_NAMES[u.role]}) angelegt.`);
          list.reload();
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
        busy={passwordForm.busy}
        error={passwordForm.summary}
        formRef={passwordForm.ref}
        onCancel={() => setResetting(undefined)}
        onSubmit={() => void passwordForm.submit()}
      >
        <Field
          label="Neues Passwort"
          {...passwordForm.field('newPassword')}
          type="password"
          autocomplete="new-password"
          hint={`Mindestens ${MIN_PASSWORD} Zeichen`}
        />
      </FormDialog>
    </section>
  );
}

function CreateUserForm(props: { isAdmin: boolean; providers: Provider[]; onCreated: (u: User) => void }) {
  const { isAdmin } = props;
  const needsProviderFor = (role: Role) => isAdmin && isProviderRole(role);
  const form = useForm({
    initial: { username: '', password: '', role: (isAdmin ? 'caseworker' : 'provider_staff') as Role, providerId: '' },
    validate: (v) => ({
      username: /^[\p{L}\p{N}._@-]{3,64}$/u.test(v.username.trim())
        ? undefined
        : '3 bis 64 Zeichen: Buchstaben, Ziffern und . _ @ -',
      password: v.password.length < MIN_PASSWORD ? `Mindestens ${MIN_PASSWORD} Zeichen.` : undefined,
      providerId: needsProviderFor(v.role) && !v.providerId ? 'Bitte den Anbieter wählen.' : undefined,
    }),
    async submit(v, self) {
      const { username, password, role, providerId } = v;
      const body = { username: username.trim(), password, role, ...(needsProviderFor(role) ? { providerId } : {}) };
      const user = unwrap(await api.POST('/api/v1/users', { body }));
      self.reset({ ...v, username: '', password: '' });
      props.onCreated(user);
    },
  });
  const needsProvider = needsProviderFor(form.values.role);

  return (
    <form ref={form.ref} class="card" onSubmit={form.submit} noValidate aria-labelledby="create-user-title">
      <h3 id="create-user-title">{isAdmin ? 'Benutzer anlegen' : 'Personal anlegen'}</h3>
      <FormSummary text={form.summary} />
      <div class="form-grid">
        <Field
          label="Benutzername"
          {...form.field('username')}
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
        />
        <Field
          label="Erstes Passwort"
          {...form.field('password')}
          type="password"
          autocomplete="new-password"
          hint={`Mindestens ${MIN_PASSWORD} Zeichen; bitte sicher übermitteln.`}
        />
        {isAdmin ? (
          <SelectField label="Rolle" {...form.control('role')} options={ROLE_OPTIONS} />
        ) : (
          <p class="muted">Rolle: Anbieter (Personal) – darf am Terminal buchen.</p>
        )}
        {needsProvider && (
          <SelectField
            label="Anbieter"
            {...form.control('providerId')}
            placeholder="– bitte wählen –"
            options={props.providers.map((p) => ({ value: p.id, label: p.name }))}
          />
        )}
      </div>
      <Button type="submit" busy={form.busy}>
        {isAdmin ? 'Benutzer anlegen' : 'Personal anlegen'}
      </Button>
    </form>
  );
}
