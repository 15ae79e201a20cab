import { BENEFIT_TYPE_NAMES, benefitTypeName } from '@tk/core';
import { useState } from 'preact/hooks';
import { Alert, Button, berlinToday, type Column, formatCents, formatDate, Table } from '../../ui';
import { useAction } from '../../ui/use-action';
import { useLoad } from '../../ui/use-load';
import { downloadRedemptionsCsv, listRedemptionsBetween, type Redemption } from './terminal-api';

/**
 * Verlauf: the provider's bookings for any date range (a whole season, not only today) with totals
 * per benefit and a CSV export for Excel.
 */
export function HistoryPage() {
  const today = berlinToday();
  const [from, setFrom] = useState(`${today.slice(0, 8)}01`);
  const [to, setTo] = useState(today);
  const [range, setRange] = useState({ from, to });
  const loaded = useLoad((signal) => listRedemptionsBetween(range.from, range.to, signal), [range.from, range.to]);
  const items = loaded.data;
  const download = useAction();
  const error = download.error ?? loaded.error;

  const booked = items?.filter((r) => r.status === 'booked') ?? [];
  const totalCents = booked.reduce((sum, r) => sum + r.amountCents, 0);
  const byType = Object.entries(
    booked.reduce<Record<string, { count: number; cents: number }>>((acc, r) => {
      const t = acc[r.benefitType] ?? { count: 0, cents: 0 };
      acc[r.benefitType] = { count: t.count + 1, cents: t.cents + r.amountCents };
      return acc;
    }, {}),
  );
  const columns: Column<Redemption>[] = [
    { header: 'Datum', cell: (r) => formatDate(r.serviceDate) },
    {
      header: 'Kind',
      cell: (r) => (
        <>
          {r.displayName}
          <span class="cell-sub">
            {BENEFIT_TYPE_NAMES[r.benefitType].long}
            {r.minutes ? ` (${r.minutes} Min.)` : ''}
            {r.purpose ? ` · ${r.purpose}` : ''}
            {r.status === 'reversed' ? ' · storniert' : r.settled ? ' · abgerechnet' : ''}
          </span>
        </>
      ),
    },
    {
      header: 'Betrag',
      numeric: true,
      cell: (r) => (r.status === 'reversed' ? <s>{formatCents(r.amountCents)}</s> : formatCents(r.amountCents)),
    },
  ];

  return (
    <section class="card stack" aria-labelledby="history-title">
      <h2 id="history-title">Verlauf</h2>
      <form
        class="history-range"
        aria-label="Zeitraum wählen"
        onSubmit={(e) => {
          e.preventDefault();
          setRange({ from, to });
        }}
      >
        <div class="field">
          <label for="history-from">Von</label>
          <input id="history-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="history-to">Bis</label>
          <input id="history-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </div>
        <Button type="submit" variant="secondary">
          Anzeigen
        </Button>
      </form>
      {error && <Alert tone="error">{error}</Alert>}
      {items && (
        <>
          <p data-testid="history-total">
            {booked.length} {booked.length === 1 ? 'Buchung' : 'Buchungen'} · <strong>{formatCents(totalCents)}</strong>
            {byType.length > 1 &&
              ` (${byType.map(([t, v]) => `${benefitTypeName(t)}: ${formatCents(v.cents)}`).join(', ')})`}
          </p>
          <Button
            variant="secondary"
            busy={download.busy === 'csv'}
            onClick={() => void download.run('csv', () => downloadRedemptionsCsv(range.from, range.to))}
          >
            Als CSV herunterladen
          </Button>
          <Table
            caption={`Buchungen ${formatDate(range.from)} – ${formatDate(range.to)}`}
            columns={columns}
            rows={items}
            rowKey={(r) => r.id}
            empty="Keine Buchungen in diesem Zeitraum."
          />
        </>
      )}
    </section>
  );
}
