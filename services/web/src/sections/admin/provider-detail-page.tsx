import { berlinDate } from '@tk/core';
import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { messageOf } from '../../api/problems';
import { linkClick } from '../../router';
import type { Session } from '../../session';
import { Alert, Button, type Column, Field, formatCents, formatDate, parseEuroToCents, Table } from '../../ui';
import { fieldErrorsOf, summaryOf } from '../../ui/form';
import { FormDialog } from '../../ui/form-dialog';
import { TextAreaField } from '../../ui/select-field';
import {
  BASE,
  CATEGORY_LABELS,
  formatDateTime,
  formatIban,
  PROVIDER_STATUS,
  type Provider,
  TYPE_LABELS,
  type User,
} from './admin-api';
import { ProviderForm } from './provider-form';

type MealPrice = Provider['mealPrices'][number];

/**
 * One provider: master and bank data, the four-eyes state (who changed the bank data, who approved),
 * approve / suspend, meal prices (append-only, effective-dated) and edit.
 */
export function ProviderDetailPage({ id, session }: { id: string; session: Session }) {
  const [provider, setProvider] = useState<Provider>();
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState<string>();
  const [suspending, setSuspending] = useState(false);
  const [suspendReason, setSuspendReason] = useState('');
  const [priceOpen, setPriceOpen] = useState(false);
  const [price, setPrice] = useState('');
  const [priceFrom, setPriceFrom] = useState('');
  const [priceErrors, setPriceErrors] = useState<Record<string, string>>({});
  const [dialogError, setDialogError] = useState<string>();

  useEffect(() => {
    let live = true;
    api
      .GET('/api/v1/providers/{id}', { params: { path: { id } } })
      .then(unwrap)
      .then((p) => live && setProvider(p))
      .catch((err) => live && setError(messageOf(err)));
    api
      .GET('/api/v1/users', {})
      .then(unwrap)
      .then((list) => live && setUsers(list.items))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [id]);

  const nameOf = (userId: string | undefined) =>
    userId === session.user.id ? 'Ihnen' : (users.find((u) => u.id === userId)?.username ?? 'einer anderen Person');

  async function act(key: string, call: () => Promise<Provider>, message: string) {
    setBusy(key);
    setError(undefined);
    setNotice(undefined);
    try {
      setProvider(await call());
      setNotice(message);
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusy(undefined);
    }
  }

  if (!provider) {
    return error ? (
      <section>
        <Alert tone="error">{error}</Alert>
        <a href={BASE} onClick={linkClick}>
          Zurück zur Anbieterliste
        </a>
      </section>
    ) : (
      <p class="muted">Wird geladen …</p>
    );
  }

  const status = PROVIDER_STATUS[provider.status];
  const awaiting =
    provider.status === 'pending' || provider.status === 'needs_reapproval' || !provider.bankDataApproved;
  const changedByMe = provider.bankDataChangedBy === session.user.id;
  const lunch = provider.benefitTypes.includes('lunch');
  const priceColumns: Column<MealPrice>[] = [
    { header: 'gültig ab', cell: (m) => formatDate(m.validFrom) },
    { header: 'Preis', numeric: true, cell: (m) => formatCents(m.priceCents) },
  ];

  async function savePrice() {
    const cents = parseEuroToCents(price);
    const local: Record<string, string> = {};
    if (cents === null || cents <= 0) local.mealPriceCents = 'Bitte einen Preis wie 3,50 eingeben.';
    if (!priceFrom) local.mealPriceValidFrom = 'Bitte das Datum eingeben.';
    setPriceErrors(local);
    if (Object.keys(local).length > 0 || cents === null || !provider) return;
    setBusy('price');
    setDialogError(undefined);
    try {
      const saved = unwrap(
        await api.PATCH('/api/v1/providers/{id}', {
          params: { path: { id: provider.id } },
          body: { mealPriceCents: cents, mealPriceValidFrom: priceFrom },
        }),
      );
      setProvider(saved);
      setPriceOpen(false);
      setNotice(`Neuer Essenspreis ${formatCents(cents)} ab ${formatDate(priceFrom)} gespeichert.`);
    } catch (err) {
      setPriceErrors(fieldErrorsOf(err, ['mealPriceCents', 'mealPriceValidFrom']));
      setDialogError(summaryOf(err));
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section aria-labelledby="provider-title">
      <p class="eyebrow">
        <a href={BASE} onClick={linkClick}>
          ← Alle Anbieter
        </a>
      </p>
      <div class="page-head">
        <h2 id="provider-title">{provider.name}</h2>
        <span class={`status status-${status.tone}`} data-testid="provider-status">
          {status.label}
        </span>
      </div>
      {notice && <Alert tone="success">{notice}</Alert>}
      {error && <Alert tone="error">{error}</Alert>}

      <section class="card" aria-labelledby="four-eyes-title" data-testid="four-eyes">
        <h3 id="four-eyes-title">Freigabe (Vier-Augen-Prinzip)</h3>
        {provider.selfRegistered && provider.status === 'pending' && (
          <p data-testid="self-registered">
            Der Anbieter hat sich selbst registriert. Sein Verwaltungskonto kann sich erst nach der Freigabe anmelden.
          </p>
        )}
        {provider.status === 'approved' && !provider.bankDataApproved && (
          <Alert tone="warning">
            Der Anbieter hat seine Bankdaten geändert. Bis zur Freigabe werden keine Zahlungen angeordnet.
          </Alert>
        )}
        {provider.bankDataChangedAt && (
          <p>
            Bankdaten zuletzt geändert von <strong>{nameOf(provider.bankDataChangedBy)}</strong> am{' '}
            {formatDateTime(provider.bankDataChangedAt)}.
          </p>
        )}
        {provider.approvedAt && !awaiting && (
          <p>
            Freigegeben
            {provider.approvedBy ? (
              <>
                {' '}
                von <strong>{nameOf(provider.approvedBy)}</strong>
              </>
            ) : null}{' '}
            am {formatDateTime(provider.approvedAt)}.
          </p>
        )}
        {awaiting && changedByMe && (
          <Alert tone="warning">
            Sie haben die Bankdaten zuletzt geändert. Freigeben muss eine andere Administratorin oder ein anderer
            Administrator.
          </Alert>
        )}
        {awaiting && !changedByMe && (
          <Alert tone="info">Bitte Bankdaten und Kontoinhaber prüfen (z. B. mit dem Vertrag) und dann freigeben.</Alert>
        )}
        <div class="form-actions">
          {(provider.status !== 'approved' || !provider.bankDataApproved) && (
            <Button
              busy={busy === 'approve'}
              onClick={() =>
                void act(
                  'approve',
                  async () =>
                    unwrap(await api.POST('/api/v1/providers/{id}/approve', { params: { path: { id: provider.id } } })),
                  'Anbieter freigegeben. Er kann jetzt abrechnen.',
                )
              }
            >
              {provider.status === 'suspended'
                ? 'Wieder zulassen'
                : provider.status === 'approved'
                  ? 'Bankdaten freigeben'
                  : 'Freigeben'}
            </Button>
          )}
          {provider.status !== 'suspended' && (
            <Button
              variant="danger"
              onClick={() => {
                setSuspendReason('');
                setDialogError(undefined);
                setSuspending(true);
              }}
            >
              Sperren
            </Button>
          )}
          {!editing && (
            <Button variant="secondary" onClick={() => setEditing(true)}>
              Bearbeiten
            </Button>
          )}
        </div>
      </section>

      {editing ? (
        <ProviderForm
          provider={provider}
          onCancel={() => setEditing(false)}
          onSaved={(p) => {
            setEditing(false);
            setProvider(p);
            setNotice(
              p.status === 'needs_reapproval'
                ? 'Gespeichert. Die Bankdaten wurden geändert: eine zweite Person muss sie freigeben.'
                : 'Änderungen gespeichert.',
            );
          }}
        />
      ) : (
        <div class="cols">
          <section class="card" aria-labelledby="master-title">
            <h3 id="master-title">Stammdaten und Bankverbindung</h3>
            <dl class="facts">
              <dt>Kategorie</dt>
              <dd>{CATEGORY_LABELS[provider.category]}</dd>
              <dt>Leistungsarten</dt>
              <dd>{provider.benefitTypes.map((t) => TYPE_LABELS[t] ?? t).join(', ')}</dd>
              <dt>Kontoinhaber</dt>
              <dd>{provider.accountHolder}</dd>
              <dt>IBAN</dt>
              <dd class="counter" data-testid="provider-iban">
                {formatIban(provider.iban)}
              </dd>
              {provider.bic && (
                <>
                  <dt>BIC</dt>
                  <dd>{provider.bic}</dd>
                </>
              )}
              <dt>Anschrift</dt>
              <dd>
                {[
                  provider.address.street,
                  `${provider.address.postalCode ?? ''} ${provider.address.town}`.trim(),
                  provider.address.country,
                ]
                  .filter(Boolean)
                  .join(', ')}
              </dd>
              {provider.email && (
                <>
                  <dt>E-Mail</dt>
                  <dd>{provider.email}</dd>
                </>
              )}
            </dl>
          </section>
          {lunch && (
            <section class="card" aria-labelledby="prices-title">
              <div class="page-head">
                <h3 id="prices-title">Essenspreise</h3>
                <Button
                  variant="secondary"
                  onClick={() => {
                    setPrice('');
                    setPriceFrom(berlinDate(new Date()));
                    setPriceErrors({});
                    setDialogError(undefined);
                    setPriceOpen(true);
                  }}
                >
                  Neuer Preis
                </Button>
              </div>
              <p>
                Heute:{' '}
                <strong data-testid="meal-price">
                  {provider.mealPriceCents !== undefined
                    ? formatCents(provider.mealPriceCents)
                    : 'kein Preis hinterlegt'}
                </strong>
              </p>
              {provider.mealPriceProposals
                .filter((m) => m.status === 'pending')
                .map((m) => (
                  <Alert key={m.id} tone="info">
                    <span data-testid="meal-price-proposal">
                      Vorschlag des Anbieters: {formatCents(m.priceCents)} ab {formatDate(m.validFrom)}.
                    </span>{' '}
                    <Button
                      busy={busy === `confirm-${m.id}`}
                      onClick={() =>
                        void act(
                          `confirm-${m.id}`,
                          async () =>
                            unwrap(
                              await api.POST('/api/v1/providers/{id}/meal-price-proposals/{proposalId}/confirm', {
                                params: { path: { id: provider.id, proposalId: m.id } },
                              }),
                            ),
                          'Essenspreis bestätigt.',
                        )
                      }
                    >
                      Bestätigen
                    </Button>{' '}
                    <Button
                      variant="ghost"
                      busy={busy === `reject-${m.id}`}
                      onClick={() =>
                        void act(
                          `reject-${m.id}`,
                          async () =>
                            unwrap(
                              await api.POST('/api/v1/providers/{id}/meal-price-proposals/{proposalId}/reject', {
                                params: { path: { id: provider.id, proposalId: m.id } },
                              }),
                            ),
                          'Vorschlag abgelehnt.',
                        )
                      }
                    >
                      Ablehnen
                    </Button>
                  </Alert>
                ))}
              <Table
                caption="Preise (frühere bleiben erhalten)"
                columns={priceColumns}
                rows={[...provider.mealPrices].sort((a, b) => b.validFrom.localeCompare(a.validFrom))}
                rowKey={(m) => m.validFrom}
                empty="Noch kein Preis."
              />
            </section>
          )}
        </div>
      )}

      <FormDialog
        open={suspending}
        title="Anbieter sperren"
        confirmLabel="Sperren"
        tone="danger"
        busy={busy === 'suspend'}
        error={error}
        onCancel={() => setSuspending(false)}
        onSubmit={() =>
          void act(
            'suspend',
            async () =>
              unwrap(
                await api.POST('/api/v1/providers/{id}/suspend', {
                  params: { path: { id: provider.id } },
                  body: suspendReason.trim() ? { reason: suspendReason.trim() } : {},
                }),
              ),
            'Anbieter gesperrt. Seine Terminals können nicht mehr buchen.',
          ).then((ok) => ok && setSuspending(false))
        }
      >
        <p>
          Die Terminals des Anbieters können sofort nicht mehr buchen. Bereits gebuchte Leistungen werden abgerechnet.
        </p>
        <TextAreaField label="Grund (optional)" name="reason" value={suspendReason} onInput={setSuspendReason} />
      </FormDialog>
      <FormDialog
        open={priceOpen}
        title="Neuer Essenspreis"
        confirmLabel="Preis speichern"
        busy={busy === 'price'}
        error={dialogError}
        onCancel={() => setPriceOpen(false)}
        onSubmit={() => void savePrice()}
      >
        <Field
          label="Preis je Essen in Euro"
          name="mealPrice"
          inputMode="decimal"
          placeholder="z. B. 3,50"
          value={price}
          onInput={(e) => setPrice(e.currentTarget.value)}
          error={priceErrors.mealPriceCents}
        />
        <Field
          label="gültig ab"
          name="mealPriceValidFrom"
          type="date"
          value={priceFrom}
          onInput={(e) => setPriceFrom(e.currentTarget.value)}
          error={priceErrors.mealPriceValidFrom}
        />
      </FormDialog>
    </section>
  );
}
