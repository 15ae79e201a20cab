import { useEffect, useState } from 'preact/hooks';
import { messageOf } from '../../api/problems';
import { Alert, Button, type Column, ConfirmDialog, formatCents, Table } from '../../ui';
import { BENEFIT_LABELS, listTodaysRedemptions, type Redemption, reverseRedemption } from './terminal-api';

const SHORT_LABELS: Record<Redemption['benefitType'], string> = {
  ...BENEFIT_LABELS,
  participation: 'Teilhabe',
  trip: 'Ausflug',
};

const timeFormat = new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' });

export interface TodayListProps {
  /** Changes whenever a booking was made elsewhere on the page, to reload the list. */
  reloadKey: number;
}

/** Today's bookings of this provider, newest first, each reversible until it is settled. */
export function TodayList({ reloadKey }: TodayListProps) {
  const [items, setItems] = useState<Redemption[]>();
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState<Redemption>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [localReload, setLocalReload] = useState(0);

  // The keys only trigger a reload.
  useEffect(() => {
    let live = true;
    listTodaysRedemptions()
      .then((rows) => {
        if (!live) return;
        setItems([...rows].sort((a, b) => b.bookedAt.localeCompare(a.bookedAt)));
        setError(undefined);
      })
      .catch((err) => live && setError(messageOf(err)));
    return () => {
      live = false;
    };
  }, [reloadKey, localReload]);

  async function reverse() {
    if (!confirming) return;
    setBusy(true);
    try {
      await reverseRedemption(confirming.id);
      setNotice(`Buchung für ${confirming.displayName} (${formatCents(confirming.amountCents)}) wurde storniert.`);
      setError(undefined);
      setLocalReload((n) => n + 1);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
      setConfirming(undefined);
    }
  }

  const columns: Column<Redemption>[] = [
    {
      header: 'Kind',
      cell: (r) => (
        <>
          {r.displayName}
          <span class="cell-sub">
            {timeFormat.format(new Date(r.bookedAt))} · {SHORT_LABELS[r.benefitType]}
            {r.minutes ? ` (${r.minutes} Min.)` : ''}
            {r.purpose ? ` · ${r.purpose}` : ''}
          </span>
        </>
      ),
    },
    {
      header: 'Betrag',
      numeric: true,
      cell: (r) => (
        <span class={r.status === 'reversed' ? 'badge-reversed' : undefined}>{formatCents(r.amountCents)}</span>
      ),
    },
    {
      header: 'Aktion',
      cell: (r) =>
        r.status === 'reversed' ? (
          <span class="badge badge-reversed">storniert</span>
        ) : r.settled ? (
          <span class="muted">abgerechnet</span>
        ) : (
          <Button
            variant="secondary"
            aria-label={`Buchung ${r.displayName} ${formatCents(r.amountCents)} stornieren`}
            onClick={() => setConfirming(r)}
          >
            Stornieren
          </Button>
        ),
    },
  ];

  const booked = items?.filter((r) => r.status === 'booked') ?? [];
  const total = booked.reduce((sum, r) => sum + r.amountCents, 0);
  return (
    <section class="card" aria-labelledby="today-title">
      <h2 id="today-title">Heutige Buchungen</h2>
      {notice && <Alert tone="success">{notice}</Alert>}
      {error && <Alert tone="error">{error}</Alert>}
      {items === undefined && !error ? (
        <p class="muted">Wird geladen …</p>
      ) : (
        <>
          <p class="muted" data-testid="today-summary">
            {booked.length} {booked.length === 1 ? 'Buchung' : 'Buchungen'} · {formatCents(total)}
          </p>
          <Table
            caption="Buchungen mit heutigem Leistungsdatum"
            columns={columns}
            rows={items ?? []}
            rowKey={(r) => r.id}
            empty="Heute noch keine Buchungen."
          />
        </>
      )}
      <ConfirmDialog
        open={confirming !== undefined}
        title="Buchung stornieren?"
        confirmLabel="Ja, stornieren"
        tone="danger"
        busy={busy}
        onConfirm={() => void reverse()}
        onCancel={() => setConfirming(undefined)}
      >
        {confirming && (
          <p>
            {confirming.displayName} · {SHORT_LABELS[confirming.benefitType]} · {formatCents(confirming.amountCents)}.
            Die Buchung wird rückgängig gemacht und nicht abgerechnet.
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}
