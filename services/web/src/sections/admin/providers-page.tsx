import { benefitTypeName, PROVIDER_CATEGORY_NAMES, PROVIDER_STATUS_NAMES } from '@tk/core';
import { useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { linkClick, navigate } from '../../router';
import { Alert, Button, type Column, Field, formatCents, Table } from '../../ui';
import { SelectField } from '../../ui/select-field';
import { useLoad } from '../../ui/use-load';
import { BASE, formatIban, PROVIDER_STATUS_TONE, type Provider, type ProviderStatus, providerPath } from './admin-api';

const STATUS_OPTIONS = Object.entries(PROVIDER_STATUS_NAMES).map(([value, label]) => ({ value, label }));

/** All providers with status (four eyes), bank account and meal price; filter by status and name. */
export function ProvidersPage() {
  const [status, setStatus] = useState('');
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const { data: items, error } = useLoad(
    async (signal) => {
      const filter = { ...(status ? { status: status as ProviderStatus } : {}), ...(query ? { q: query } : {}) };
      return unwrap(await api.GET('/api/v1/providers', { params: { query: filter }, signal })).items;
    },
    [status, query],
  );

  const columns: Column<Provider>[] = [
    {
      header: 'Anbieter',
      cell: (p) => (
        <>
          <a href={providerPath(p.id)} onClick={linkClick}>
            {p.name}
          </a>
          <span class="cell-sub">
            {PROVIDER_CATEGORY_NAMES[p.category]} · {p.address.town}
            {p.selfRegistered && p.status === 'pending' ? ' · neue Registrierung' : ''}
          </span>
        </>
      ),
    },
    { header: 'Leistungen', cell: (p) => p.benefitTypes.map(benefitTypeName).join(', ') },
    {
      header: 'Bankverbindung',
      cell: (p) => (
        <>
          <span class="counter">{formatIban(p.iban)}</span>
          <span class="cell-sub">{p.accountHolder}</span>
        </>
      ),
    },
    {
      header: 'Essenspreis',
      numeric: true,
      cell: (p) => (p.mealPriceCents !== undefined ? formatCents(p.mealPriceCents) : '–'),
    },
    {
      header: 'Status',
      cell: (p) => (
        <span class={`status status-${PROVIDER_STATUS_TONE[p.status]}`}>
          {p.status === 'approved' && !p.bankDataApproved
            ? 'Bankdaten geändert – Freigabe nötig'
            : PROVIDER_STATUS_NAMES[p.status]}
        </span>
      ),
    },
  ];

  const waiting =
    items?.filter((p) => p.status === 'pending' || p.status === 'needs_reapproval' || !p.bankDataApproved).length ?? 0;
  const registrations = items?.filter((p) => p.selfRegistered && p.status === 'pending').length ?? 0;
  return (
    <section aria-labelledby="providers-title">
      <div class="page-head">
        <h2 id="providers-title">Anbieter</h2>
        <Button onClick={() => navigate(`${BASE}/anbieter/neu`)}>Anbieter anlegen</Button>
      </div>
      <form
        class="card form-grid"
        aria-label="Anbieter filtern"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
        }}
      >
        <Field label="Name enthält" name="q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <SelectField
          label="Status"
          name="status"
          value={status}
          placeholder="alle"
          options={STATUS_OPTIONS}
          onChange={setStatus}
        />
      </form>
      {error && <Alert tone="error">{error}</Alert>}
      {waiting > 0 && !status && (
        <Alert tone="warning">
          {waiting === 1 ? '1 Anbieter wartet' : `${waiting} Anbieter warten`} auf die Freigabe durch eine zweite
          Person.
        </Alert>
      )}
      {registrations > 0 && !status && (
        <Alert tone="info">
          {registrations === 1 ? '1 neue Registrierung' : `${registrations} neue Registrierungen`}: Anbieter, die sich
          selbst angemeldet haben. Bitte Angaben und Bankdaten prüfen und freigeben.
        </Alert>
      )}
      {items && (
        <div class="card">
          <Table caption="Alle Anbieter" columns={columns} rows={items} rowKey={(p) => p.id} empty="Keine Anbieter." />
        </div>
      )}
    </section>
  );
}
