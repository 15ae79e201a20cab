import { APPROVAL_STATUS_NAMES, ageOn, BENEFIT_TYPE_NAMES, berlinDate, LEGAL_BASIS_NAMES } from '@tk/core';
import { useEffect, useState } from 'preact/hooks';
import { useCostBearerName } from '../../api/catalogue';
import { linkClick } from '../../router';
import { Alert, Button, type Column, formatCents, formatDate, Table } from '../../ui';
import { useLoad } from '../../ui/use-load';
import { AccessLogPanel } from './access-log-panel';
import { AmendDialog } from './amend-dialog';
import { ApprovalForm } from './approval-form';
import { CardPanel } from './card-panel';
import {
  APPROVAL_STATUS_TONE,
  type Approval,
  BASE,
  childPath,
  duplicateNoticeKey,
  getBeneficiary,
} from './casework-api';
import { FIELD_LABELS, MasterDataDialog } from './master-data-dialog';
import { approvalRowId } from './overlap-notice';
import { RevokeDialog } from './revoke-dialog';

/** The child page: master data, approvals with remaining budgets and status, the card. */
export function ChildPage({ id, canWrite }: { id: string; canWrite: boolean }) {
  const loaded = useLoad((signal) => getBeneficiary(id, signal), [id]);
  const { data: child, error } = loaded;
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [revoking, setRevoking] = useState<Approval>();
  const [amending, setAmending] = useState<Approval>();
  const [editing, setEditing] = useState(false);
  // A possible duplicate reported when this child was recorded (kept for this session).
  const duplicateOf = sessionStorage.getItem(duplicateNoticeKey(id));
  const costBearerName = useCostBearerName();

  useEffect(() => {
    if (child) document.title = `${child.givenName} ${child.familyName} – Fallbearbeitung – Teilhabekarte`;
  }, [child?.id]);

  const refresh = (message?: string) => {
    setNotice(message);
    loaded.reload();
  };

  if (error && !child) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title">Kind</h1>
        <Alert tone="error">{error}</Alert>
        <a href={BASE} onClick={linkClick}>
          Zurück zur Suche
        </a>
      </section>
    );
  }
  if (!child) return <p class="muted">Wird geladen …</p>;
  if (child.pseudonymisedAt || !child.birthDate) {
    // After the retention run (Löschfrist): no names, no birth date, no case reference; nothing to edit.
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title">Pseudonymisiertes Kind</h1>
        <Alert tone="info" title="Löschfrist abgelaufen">
          Namen, Geburtsdatum und Aktenzeichen wurden am{' '}
          {child.pseudonymisedAt
            ? new Date(child.pseudonymisedAt).toLocaleDateString('de-DE', { timeZone: 'Europe/Berlin' })
            : '–'}{' '}
          entfernt. Buchungen, Abrechnungen und Zahlungen bleiben unter der pseudonymen Kennung erhalten.
        </Alert>
        <a href={BASE} onClick={linkClick}>
          Zurück zur Suche
        </a>
      </section>
    );
  }
  const birthDate = child.birthDate;

  const today = berlinDate(new Date());
  const columns: Column<Approval>[] = [
    {
      header: 'Leistung',
      cell: (a) => (
        <>
          {BENEFIT_TYPE_NAMES[a.benefitType].long}
          <span class="cell-sub">
            {[
              a.providerName,
              a.subject,
              a.reference,
              a.hours ? `${a.hours} Std. × ${formatCents(a.hourlyRateCents ?? 0)}` : '',
            ]
              .filter(Boolean)
              .join(' · ')}
          </span>
        </>
      ),
    },
    {
      header: 'Zeitraum',
      cell: (a) => (
        <>
          {formatDate(a.validFrom)} – {formatDate(a.validTo)}
          <span class="cell-sub">
            {a.revokedFrom
              ? `aufgehoben ab ${formatDate(a.revokedFrom)}`
              : `buchbar bis ${formatDate(a.lastBookingDay)}`}
          </span>
        </>
      ),
    },
    {
      header: 'Rechtskreis',
      cell: (a) => (
        <>
          {LEGAL_BASIS_NAMES[a.legalBasis].name}
          {a.costBearer && <span class="cell-sub">{costBearerName(a.costBearer)}</span>}
        </>
      ),
    },
    {
      header: 'Budget',
      numeric: true,
      cell: (a) => (a.budgetCents === null ? 'je Essen' : formatCents(a.budgetCents)),
    },
    {
      header: 'Verbraucht',
      numeric: true,
      cell: (a) =>
        a.benefitType === 'lunch'
          ? `${a.mealsBooked ?? 0} Essen · ${formatCents(a.bookedCents)}`
          : formatCents(a.bookedCents),
    },
    {
      header: 'Rest',
      numeric: true,
      cell: (a) =>
        a.remainingCents === null || a.budgetCents === null ? (
          '–'
        ) : a.releasedCents !== undefined ? (
          // A revoked approval: what the grace rules still allow, and what the revocation released.
          <>
            <strong>{formatCents(a.bookableCents ?? 0)}</strong>
            <span class="cell-sub">noch buchbar</span>
            <span class="cell-sub">{formatCents(a.releasedCents)} freigegeben</span>
            {a.lapsedCents > 0 && <span class="cell-sub">davon {formatCents(a.lapsedCents)} verfallen</span>}
          </>
        ) : (
          <>
            <strong>{formatCents(a.remainingCents)}</strong>
            <span class="budget-bar" aria-hidden="true">
              <span
                style={{ width: `${a.budgetCents > 0 ? Math.round((100 * a.remainingCents) / a.budgetCents) : 0}%` }}
              />
            </span>
            {a.lapsedCents > 0 && <span class="cell-sub">{formatCents(a.lapsedCents)} verfallen</span>}
          </>
        ),
    },
    {
      header: 'Status',
      cell: (a) => (
        <span class={`status status-${APPROVAL_STATUS_TONE[a.status]}`}>{APPROVAL_STATUS_NAMES[a.status]}</span>
      ),
    },
    ...(canWrite
      ? [
          {
            header: 'Aktion',
            cell: (a: Approval) =>
              a.status === 'revoked' || a.status === 'expired' ? null : (
                <div class="row-actions">
                  <Button
                    variant="secondary"
                    aria-label={`Bewilligung ${BENEFIT_TYPE_NAMES[a.benefitType].long} ändern`}
                    onClick={() => setAmending(a)}
                  >
                    Ändern
                  </Button>
                  <Button
                    variant="secondary"
                    aria-label={`Bewilligung ${BENEFIT_TYPE_NAMES[a.benefitType].long} aufheben`}
                    onClick={() => setRevoking(a)}
                  >
                    Aufheben
                  </Button>
                </div>
              ),
          },
        ]
      : []),
  ];

  return (
    <section aria-labelledby="page-title">
      <p class="eyebrow">
        <a href={BASE} onClick={linkClick}>
          ← Zurück zur Suche
        </a>
      </p>
      <div class="page-head">
        <h1 id="page-title">
          {child.givenName} {child.familyName}
        </h1>
      </div>
      {notice && <Alert tone="success">{notice}</Alert>}
      {duplicateOf && (
        <Alert tone="warning" title="Möglicherweise doppelt erfasst">
          Ein Kind mit gleichem Vornamen, Nachnamen und Geburtsdatum gibt es bereits.{' '}
          <a href={childPath(duplicateOf)} onClick={linkClick} data-testid="duplicate-link">
            Zum anderen Kind
          </a>
        </Alert>
      )}
      {error && <Alert tone="error">{error}</Alert>}
      <div class="cols cols-even">
        <section class="card" aria-labelledby="facts-title">
          <h2 id="facts-title">Stammdaten</h2>
          <dl class="facts" data-testid="child-facts">
            <dt>Geburtsdatum</dt>
            <dd>
              {formatDate(birthDate)} ({ageOn(birthDate, today)} Jahre)
            </dd>
            <dt>Aktenzeichen</dt>
            <dd>{child.caseReference}</dd>
            {child.district && (
              <>
                <dt>Stadtbezirk</dt>
                <dd>{child.district}</dd>
              </>
            )}
          </dl>
          {canWrite && (
            <Button variant="secondary" onClick={() => setEditing(true)}>
              Stammdaten ändern
            </Button>
          )}
          {child.revisions.length > 0 && (
            <details class="history" data-testid="master-data-history">
              <summary>Änderungen ({child.revisions.length})</summary>
              <ul>
                {child.revisions.map((r) => (
                  <li key={r.changedAt}>
                    {new Date(r.changedAt).toLocaleDateString('de-DE', { timeZone: 'Europe/Berlin' })}
                    {r.changedByName ? `, ${r.changedByName}` : ''}:{' '}
                    {Object.keys(r.after)
                      .map((f) => {
                        const show = (v: unknown) => (f === 'birthDate' ? formatDate(String(v)) : String(v));
                        return `${FIELD_LABELS[f] ?? f} „${show(r.before[f])}“ → „${show(r.after[f])}“`;
                      })
                      .join(', ')}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </section>
        <CardPanel child={child} canWrite={canWrite} onChanged={refresh} />
      </div>
      <section class="card" aria-labelledby="approvals-title">
        <div class="page-head">
          <h2 id="approvals-title">Bewilligungen</h2>
          {canWrite && !adding && (
            <Button
              onClick={() => {
                setNotice(undefined);
                setAdding(true);
              }}
            >
              Neue Bewilligung
            </Button>
          )}
        </div>
        {adding && (
          <ApprovalForm
            child={child}
            onCancel={() => setAdding(false)}
            onSaved={(a) => {
              setAdding(false);
              refresh(
                `Bewilligung ${BENEFIT_TYPE_NAMES[a.benefitType].long} gespeichert${
                  a.budgetCents !== null ? `: Budget ${formatCents(a.budgetCents)}` : ''
                }.`,
              );
            }}
          />
        )}
        <Table
          caption={`Bewilligungen von ${child.givenName} ${child.familyName}`}
          columns={columns}
          rows={child.approvals}
          rowKey={(a) => a.id}
          rowId={(a) => approvalRowId(a.id)}
          empty="Noch keine Bewilligung."
        />
      </section>
      <AccessLogPanel child={child} />
      <MasterDataDialog
        child={child}
        open={editing}
        onClose={() => setEditing(false)}
        onSaved={(updated) => {
          setEditing(false);
          loaded.setData(updated);
          setNotice('Stammdaten gespeichert.');
        }}
      />
      <AmendDialog
        child={child}
        approval={amending}
        onClose={() => setAmending(undefined)}
        onAmended={(a) => {
          setAmending(undefined);
          refresh(
            `Bewilligung ${BENEFIT_TYPE_NAMES[a.benefitType].long} geändert${
              a.budgetCents !== null ? `: Budget ${formatCents(a.budgetCents)}` : ''
            }.`,
          );
        }}
      />
      <RevokeDialog
        approval={revoking}
        onClose={() => setRevoking(undefined)}
        onRevoked={(a) => {
          setRevoking(undefined);
          refresh(
            `Bewilligung ${BENEFIT_TYPE_NAMES[a.benefitType].long} aufgehoben ab ${formatDate(a.revokedFrom ?? '')}.`,
          );
        }}
      />
    </section>
  );
}
