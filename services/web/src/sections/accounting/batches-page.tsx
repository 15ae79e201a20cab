import { BATCH_STATUS_HINTS, BATCH_STATUS_NAMES } from '@tk/core';
import { useState } from 'preact/hooks';
import { navigate } from '../../router';
import { Alert, Button, berlinToday, Field, formatCents, formatDate, formatTimestamp } from '../../ui';
import { SelectField } from '../../ui/select-field';
import { useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import {
  type Batch,
  type BatchFilter,
  type BatchStatus,
  createPaymentFile,
  listBatches,
  listProviders,
  listRuns,
  runSettlement,
  type SettlementRun,
} from './accounting-api';
import { BatchStatusChip, batchPath, Link, PageHead, paymentFilePath, period } from './common';

const STATUS_OPTIONS = [
  { value: '', label: 'Alle Status' },
  ...(Object.keys(BATCH_STATUS_NAMES) as BatchStatus[]).map((s) => ({ value: s, label: BATCH_STATUS_NAMES[s] })),
];

/** The batch list: start a run, filter, see totals, pick released batches for a payment file. */
export function BatchesPage() {
  const [filter, setFilter] = useState<BatchFilter>({});
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const providers = useLoad(
    (signal) => listProviders(signal).then((items) => [...items].sort((a, b) => a.name.localeCompare(b.name, 'de'))),
    [],
  );
  const list = useLoad((signal) => listBatches(filter, signal), [filter]);

  const batches = list.data?.items;
  const released = (batches ?? []).filter((b) => b.status === 'released');
  // Only batches that are still released and visible count as selected.
  const chosen = released.filter((b) => selected.has(b.id));
  const chosenIds = new Set(chosen.map((b) => b.id));
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section aria-labelledby="page-title">
      <PageHead title="Abrechnungen" />
      <div class="acc-grid">
        <RunCard onDone={list.reload} />
        <PaymentFileCard
          batches={chosen}
          releasedCount={released.length}
          onSelectAll={() => setSelected(new Set(released.map((b) => b.id)))}
          onClear={() => setSelected(new Set())}
        />
      </div>

      <div class="card">
        <form class="acc-form" aria-label="Abrechnungen filtern" onSubmit={(e) => e.preventDefault()}>
          <SelectField
            label="Status"
            name="status"
            value={filter.status ?? ''}
            options={STATUS_OPTIONS}
            onChange={(v) => setFilter((f) => ({ ...f, status: (v || undefined) as BatchStatus | undefined }))}
          />
          <SelectField
            label="Anbieter"
            name="providerId"
            value={filter.providerId ?? ''}
            options={[
              { value: '', label: 'Alle Anbieter' },
              // Without the list (an error), the filter offers "all providers" only.
              ...(providers.data ?? []).map((p) => ({ value: p.id, label: p.name })),
            ]}
            onChange={(v) => setFilter((f) => ({ ...f, providerId: v || undefined }))}
          />
        </form>
        {list.error && <Alert tone="error">{list.error}</Alert>}
        {list.data && (
          <BatchTable batches={list.data.items} total={list.data.total} selected={chosenIds} onToggle={toggle} />
        )}
        {!list.data && !list.error && <p class="muted">Abrechnungen werden geladen …</p>}
      </div>
    </section>
  );
}

function BatchTable(props: {
  batches: Batch[];
  total: number;
  selected: ReadonlySet<string>;
  onToggle: (id: string) => void;
}) {
  const { batches, total, selected, onToggle } = props;
  const sum = batches.reduce((acc, b) => acc + b.totalCents, 0);
  return (
    <div class="table-wrap">
      <table class="acc-table" data-testid="batches">
        <caption>
          {batches.length === total
            ? `${total} ${total === 1 ? 'Abrechnung' : 'Abrechnungen'}`
            : `${batches.length} von ${total} Abrechnungen`}
          <span class="acc-sub">Angeordnete Abrechnungen können für eine Zahlungsdatei ausgewählt werden.</span>
        </caption>
        <thead>
          <tr>
            <th scope="col" class="check">
              <span class="visually-hidden">Auswahl</span>
            </th>
            <th scope="col">Nummer</th>
            <th scope="col">Anbieter</th>
            <th scope="col">Leistungszeitraum</th>
            <th scope="col">Stichtag</th>
            <th scope="col" class="num">
              Buchungen
            </th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Betrag
            </th>
          </tr>
        </thead>
        <tbody>
          {batches.length === 0 ? (
            <tr>
              <td colSpan={8} class="empty">
                Keine Abrechnungen für diese Auswahl. Mit „Abrechnungslauf starten“ werden neue Buchungen abgerechnet.
              </td>
            </tr>
          ) : (
            batches.map((b) => (
              <tr key={b.id} class={selected.has(b.id) ? 'selected' : undefined}>
                <td class="check">
                  {b.status === 'released' && (
                    <input
                      type="checkbox"
                      checked={selected.has(b.id)}
                      onChange={() => onToggle(b.id)}
                      aria-label={`${b.number} für die Zahlungsdatei auswählen`}
                    />
                  )}
                </td>
                <th scope="row">
                  <Link href={batchPath(b.id)}>{b.number}</Link>
                </th>
                <td>{b.providerName}</td>
                <td class="nowrap">{period(b)}</td>
                <td>{formatDate(b.cutoffDate)}</td>
                <td class="num">{b.lineCount}</td>
                <td class="nowrap">
                  <BatchStatusChip status={b.status} />
                  <span class="acc-sub">{BATCH_STATUS_HINTS[b.status]}</span>
                </td>
                <td class={`num${b.totalCents < 0 ? ' neg' : ''}`}>{formatCents(b.totalCents)}</td>
              </tr>
            ))
          )}
        </tbody>
        {batches.length > 0 && (
          <tfoot>
            <tr>
              <td />
              <th scope="row" colSpan={4}>
                Summe der angezeigten Abrechnungen
              </th>
              <td class="num">{batches.reduce((n, b) => n + b.lineCount, 0)}</td>
              <td />
              <td class="num" data-testid="batches-sum">
                {formatCents(sum)}
              </td>
            </tr>
          </tfoot>
        )}
      </table>
    </div>
  );
}

/** "Abrechnungslauf starten": settles everything booked before 00:00 of the cutoff date. */
function RunCard({ onDone }: { onDone: () => void }) {
  const [result, setResult] = useState<SettlementRun>();
  const runs = useLoad((signal) => listRuns(1, signal), [result]);
  const form = useForm({
    initial: () => ({ cutoffDate: berlinToday() }),
    async submit({ cutoffDate }) {
      setResult(undefined);
      setResult(await runSettlement(cutoffDate));
      onDone();
    },
  });

  const last = runs.data?.[0];
  return (
    <div class="card">
      <h2 class="acc-card-title">Abrechnungslauf starten</h2>
      <form class="acc-form" onSubmit={form.submit} noValidate>
        <Field
          {...form.field('cutoffDate')}
          type="date"
          label="Stichtag"
          required
          hint="Abgerechnet wird, was vor 0:00 Uhr des Stichtags gebucht wurde (höchstens morgen)."
        />
        <div class="acc-form-action">
          <Button type="submit" busy={form.busy} disabled={!form.values.cutoffDate}>
            Abrechnungslauf starten
          </Button>
        </div>
      </form>
      {form.summary && <Alert tone="error">{form.summary}</Alert>}
      {result && (
        <Alert tone="success" title="Abrechnungslauf abgeschlossen">
          {result.batchCount === 0
            ? `Keine neuen Buchungen vor dem ${formatDate(result.cutoffDate)}.`
            : `${result.batchCount} ${result.batchCount === 1 ? 'neue Abrechnung' : 'neue Abrechnungen'} über ${formatCents(result.totalCents)} (Stichtag ${formatDate(result.cutoffDate)}).`}
        </Alert>
      )}
      {!result && last && (
        <p class="muted">
          Letzter Lauf: {formatTimestamp(last.startedAt)}, Stichtag {formatDate(last.cutoffDate)}, {last.batchCount}{' '}
          {last.batchCount === 1 ? 'Abrechnung' : 'Abrechnungen'}.
        </p>
      )}
    </div>
  );
}

/** "Zahlungsdatei erstellen" from the selected released batches. */
function PaymentFileCard(props: {
  batches: Batch[];
  releasedCount: number;
  onSelectAll: () => void;
  onClear: () => void;
}) {
  const { batches, releasedCount } = props;
  const sum = batches.reduce((n, b) => n + b.totalCents, 0);
  const form = useForm({
    initial: { executionDate: '' },
    async submit({ executionDate }) {
      if (batches.length === 0) return;
      const file = await createPaymentFile(
        batches.map((b) => b.id),
        executionDate || undefined,
      );
      navigate(paymentFilePath(file.id));
    },
  });

  return (
    <div class="card">
      <h2 class="acc-card-title">Zahlungsdatei erstellen</h2>
      <div class="acc-selection" aria-live="polite">
        <span>
          Ausgewählt: <strong data-testid="selection-count">{batches.length}</strong> von {releasedCount} angeordneten
        </span>
        <span>
          Summe: <strong data-testid="selection-sum">{formatCents(sum)}</strong>
        </span>
      </div>
      <form class="acc-form" onSubmit={form.submit} noValidate>
        <Field
          {...form.field('executionDate')}
          type="date"
          label="Ausführungsdatum"
          hint="Leer lassen: nächster Bankarbeitstag."
        />
        <div class="acc-form-action acc-actions">
          <Button type="submit" busy={form.busy} disabled={batches.length === 0}>
            Zahlungsdatei erstellen
          </Button>
        </div>
      </form>
      <div class="acc-actions">
        <Button variant="ghost" onClick={props.onSelectAll} disabled={releasedCount === 0}>
          Alle angeordneten auswählen
        </Button>
        {batches.length > 0 && (
          <Button variant="ghost" onClick={props.onClear}>
            Auswahl aufheben
          </Button>
        )}
      </div>
      {form.summary && <Alert tone="error">{form.summary}</Alert>}
    </div>
  );
}
