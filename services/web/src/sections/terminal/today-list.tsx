import { BENEFIT_TYPE_NAMES } from '@tk/core';
import { useState } from 'preact/hooks';
import { Alert, Button, type Column, ConfirmDialog, formatCents, Table } from '../../ui';
import { useAction } from '../../ui/use-action';
import { useLoad } from '../../ui/use-load';
import { listTodaysRedemptions, type Redemption, reverseRedemption } from './terminal-api';

const timeFormat = new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' });

export interface TodayListProps {
  /** Changes whenever a booking was made elsewhere on the page, to reload the list. */
  reloadKey: number;
}

/** Today's bookings of this provider, newest first, each reversible until it is settled. */
export function TodayList({ reloadKey }: TodayListProps) {
  const list = useLoad(
    (signal) => listTodaysRedemptions(signal).then((rows) => rows.sort((a, b) => b.bookedAt.localeCompare(a.bookedAt))),
    [reloadKey],
  );
  const items = list.data;
  const reversal = useAction();
  const [confirming, setConfirming] = useState<Redemption>();
  const [notice, setNotice] = useState<string>();
  const error = reversal.error ?? list.error;

  async function reverse() {
    if (!confirming) return;
    await reversal.run('reverse', async () => {
      await reverseRedemption(confirming.id);
      setNotice(`Buchung für ${confirming.displayName} (${formatCents(confirming.amountCents)}) wurde storniert.`);
      list.reload();
    });
    setConfirming(undefined);
  }

  const columns: Column<Redemption>[] = [
    {
      header: 'Kind',
      cell: (r) => (
        <>
          {r.displayName}
          <span class="cell-sub">
            {timeFormat.format(new Date(r.bookedAt))} · {BENEFIT_TYPE_NAMES[r.benefitType].name}
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
        busy={reversal.busy !== undefined}
        onConfirm={() => void reverse()}
        onCancel={() => setConfirming(undefined)}
      >
        {confirming && (
          <p>
            {confirming.displayName} · {BENEFIT_TYPE_NAMES[confirming.benefitType].name} ·{' '}
            {formatCents(confirming.amountCents)}. Die Buchung wird rückgängig gemacht und nicht abgerechnet.
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}
