import { benefitTypeName, berlinDate, PROVIDER_CATEGORY_NAMES, PROVIDER_STATUS_NAMES } from '@tk/core';
import { useId, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { linkClick } from '../../router';
import type { Session } from '../../session';
import {
  Alert,
  Button,
  type Column,
  Field,
  formatCents,
  formatDate,
  formatTimestamp,
  parseEuroToCents,
  Table,
} from '../../ui';
import { FormDialog } from '../../ui/form-dialog';
import { TextAreaField } from '../../ui/select-field';
import { useAction } from '../../ui/use-action';
import { useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import { BASE, formatIban, PROVIDER_STATUS_TONE, type Provider } from './admin-api';
import { IbanWarnings, ProviderForm } from './provider-form';

type MealPrice = Provider['mealPrices'][number];

/**
 * One provider: master and bank data, the four-eyes state (who changed the bank data, who approved),
 * approve / suspend, meal prices (append-only, effective-dated) and edit.
 */
export function ProviderDetailPage({ id, session }: { id: string; session: Session }) {
  const loaded = useLoad(
    async (signal) => unwrap(await api.GET('/api/v1/providers/{id}', { params: { path: { id } }, signal })),
    [id],
  );
  const provider = loaded.data;
  // Only to name who changed or approved the bank data; without it the page says "einer anderen Person".
  const users = useLoad(async (signal) => unwrap(await api.GET('/api/v1/users', { signal })).items, []);
  const action = useAction<string>();
  const error = action.error ?? loaded.error;
  const [notice, setNotice] = useState<string>();
  const fourEyesNoteId = useId();
  const [editing, setEditing] = useState(false);
  const [suspending, setSuspending] = useState(false);
  const [suspendReason, setSuspendReason] = useState('');
  const [priceOpen, setPriceOpen] = useState(false);
  const priceForm = useForm({
    initial: { mealPrice: '', mealPriceValidFrom: '' },
    errorKeys: { mealPrice: 'mealPriceCents' },
    invalidSummary: null,
    validate: (v) => {
      const cents = parseEuroToCents(v.mealPrice);
      return {
        mealPriceCents: cents === null || cents <= 0 ? 'Bitte einen Preis wie 3,50 eingeben.' : undefined,
        mealPriceValidFrom: v.mealPriceValidFrom ? undefined : 'Bitte das Datum eingeben.',
      };
    },
    async submit(v) {
      if (!provider) return;
      const mealPriceCents = parseEuroToCents(v.mealPrice) ?? 0;
      const saved = unwrap(
        await api.PATCH('/api/v1/providers/{id}', {
          params: { path: { id: provider.id } },
          body: { mealPriceCents, mealPriceValidFrom: v.mealPriceValidFrom },
        }),
      );
      loaded.setData(saved);
      setPriceOpen(false);
      setNotice(`Neuer Essenspreis ${formatCents(mealPriceCents)} ab ${formatDate(v.mealPriceValidFrom)} gespeichert.`);
    },
  });

  const nameOf = (userId: string | undefined) =>
    userId === session.user.id
      ? 'Ihnen'
      : (users.data?.find((u) => u.id === userId)?.username ?? 'einer anderen Person');

  function act(key: string, call: () => Promise<Provider>, message: string) {
    setNotice(undefined);
    return action.run(key, async () => {
      loaded.setData(await call());
      setNotice(message);
    });
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

  const status = { label: PROVIDER_STATUS_NAMES[provider.status], tone: PROVIDER_STATUS_TONE[provider.status] };
  const awaiting =
    provider.status === 'pending' || provider.status === 'needs_reapproval' || !provider.bankDataApproved;
  const changedByMe = provider.bankDataChangedBy === session.user.id;
  // Approve (or re-admit) is offered while something waits for it; never to whoever changed the bank data.
  const approvable = provider.status !== 'approved' || !provider.bankDataApproved;
  const lunch = provider.benefitTypes.includes('lunch');
  const priceColumns: Column<MealPrice>[] = [
    { header: 'gültig ab', cell: (m) => formatDate(m.validFrom) },
    { header: 'Preis', numeric: true, cell: (m) => formatCents(m.priceCents) },
  ];

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
      <IbanWarnings warnings={provider.warnings ?? []} />
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
            {formatTimestamp(provider.bankDataChangedAt)}.
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
            am {formatTimestamp(provider.approvedAt)}.
          </p>
        )}
        {approvable && changedByMe && (
          <Alert tone="warning">
            <span id={fourEyesNoteId} data-testid="approve-refusal">
              Vier-Augen-Prinzip: Sie haben die Bankdaten zuletzt geändert. Freigeben muss eine andere Administratorin
              oder ein anderer Administrator.
            </span>
          </Alert>
        )}
        {awaiting && !changedByMe && (
          <Alert tone="info">Bitte Bankdaten und Kontoinhaber prüfen (z. B. mit dem Vertrag) und dann freigeben.</Alert>
        )}
        <div class="form-actions">
          {approvable && (
            <Button
              busy={action.busy === 'approve'}
              disabled={changedByMe}
              aria-describedby={changedByMe ? fourEyesNoteId : undefined}
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
                action.clearError();
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
            loaded.setData(p);
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
              <dd>{PROVIDER_CATEGORY_NAMES[provider.category]}</dd>
              <dt>Leistungsarten</dt>
              <dd>{provider.benefitTypes.map(benefitTypeName).join(', ')}</dd>
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
                    priceForm.reset({ mealPrice: '', mealPriceValidFrom: berlinDate(new Date()) });
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
                      busy={action.busy === `confirm-${m.id}`}
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
                      busy={action.busy === `reject-${m.id}`}
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
        busy={action.busy === 'suspend'}
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
        <TextAreaField label="Grund (optional)" name="reason" value={suspendReason} onChange={setSuspendReason} />
      </FormDialog>
      <FormDialog
        open={priceOpen}
        title="Neuer Essenspreis"
        confirmLabel="Preis speichern"
        busy={priceForm.busy}
        error={priceForm.summary}
        formRef={priceForm.ref}
        onCancel={() => setPriceOpen(false)}
        onSubmit={() => void priceForm.submit()}
      >
        <Field
          label="Preis je Essen in Euro"
          {...priceForm.field('mealPrice')}
          inputMode="decimal"
          placeholder="z. B. 3,50"
        />
        <Field label="gültig ab" {...priceForm.field('mealPriceValidFrom')} type="date" />
      </FormDialog>
    </section>
  );
}
