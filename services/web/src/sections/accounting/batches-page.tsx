import { useEffect, useMemo, useState } from 'preact/hooks';
import { messageOf } from '../../api/problems';
import { navigate } from '../../router';
import { Alert, Button, berlinToday, Field, formatCents, formatDate } from '../../ui';
import { SelectField } from '../../ui/select-field';
import {
  type Batch,
  type BatchFilter,
  type BatchStatus,
  createPaymentFile,
  listBatches,
  listProviders,
  listRuns,
  type Provider,
  runSettlement,
  type SettlementRun,
} from './accounting-api';
import { BatchStatusChip, batchPath, Link, PageHead, paymentFilePath } from './common';
import { BATCH_STATUS_HINTS, BATCH_STATUS_LABELS, formatTimestamp } from './labels';

const STATUS_OPTIONS = [
  { value: '', label: 'Alle Status' },
  ...(Object.keys(BATCH_STATUS_LABELS) as BatchStatus[]).map((s) => ({ value: s, label: BATCH_STATUS_LABELS[s] })),
];

/** The batch list: start a run, filter, see totals, pick released batches for a payment file. */
export function BatchesPage() {
  const [filter, setFilter] = useState<BatchFilter>({});
  const [batches, setBatches] = useState<Batch[]>();
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string>();
  const [providers, setProviders] = useState<Provider[]>([]);
  const [reload, setReload] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    listProviders()
      .then((items) => setProviders([...items].sort((a, b) => a.name.localeCompare(b.name, 'de'))))
      .catch(() => setProviders([])); // the filter then offers "all providers" only
  }, []);

  // `reload` only triggers a fresh load after a run or a payment file.
  useEffect(() => {
    let live = true;
    listBatches(filter)
      .then((result) => {
        if (!live) return;
        setBatches(result.items);
        setTotal(result.total);
        setError(undefined);
        // Keep only selections that are still released and visible.
        setSelected(
          (prev) => new Set(result.items.filter((b) => prev.has(b.id) && b.status === 'released').map((b) => b.id)),
        );
      })
      .catch((err) => live && setError(messageOf(err)));
    return () => {
      live = false;
    };
  }, [filter, reload]);

  const sum = useMemo(() => (batches ?? []).reduce((acc, b) => acc + b.totalCents, 0), [batches]);
  const released = (batches ?? []).filter((b) => b.status === 'released');
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
        <RunCard onDone={() => setReload((n) => n + 1)} />
        <PaymentFileCard
          batches={(batches ?? []).filter((b) => selected.has(b.id))}
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
            options={[{ value: '', label: 'Alle Anbieter' }, ...providers.map((p) => ({ value: p.id, label: p.name }))]}
            onChange={(v) => setFilter((f) => ({ ...f, providerId: v || undefined }))}
          />
        </form>
        {error && <Alert tone="error">{error}</Alert>}
        {batches && <BatchTable batches={batches} total={total} sum={sum} selected={selected} onToggle={toggle} />}
        {!batches && !error && <p class="muted">Abrechnungen werden geladen …</p>}
      </div>
    </section>
  );
}

function BatchTable(props: {
  batches: Batch[];
  total: number;
  sum: number;
  selected: ReadonlySet<string>;
  onToggle: (id: string) => void;
}) {
  const { batches, total, sum, selected, onToggle } = props;
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

export function period(b: Pick<Batch, 'periodFrom' | 'periodTo'>): string {
  if (!b.periodFrom || !b.periodTo) return '–';
  if (b.periodFrom === b.periodTo) return formatDate(b.periodFrom);
  return `${formatDate(b.periodFrom)} – ${formatDate(b.periodTo)}`;
}

/** "Abrechnungslauf starten": settles everything booked before 00:00 of the cutoff date. */
function RunCard({ onDone }: { onDone: () => void }) {
  const today = berlinToday();
  const [cutoffDate, setCutoffDate] = useState(today);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<SettlementRun>();
  const [runs, setRuns] = useState<SettlementRun[]>([]);

  useEffect(() => {
    listRuns(1)
      .then(setRuns)
      .catch(() => setRuns([]));
  }, [result]);

  async function start(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await runSettlement(cutoffDate));
      onDone();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  const last = runs[0];
  return (
    <div class="card">
      <h2 class="acc-card-title">Abrechnungslauf starten</h2>
      <form class="acc-form" onSubmit={start} noValidate>
        <Field
          name="cutoffDate"
          type="date"
          label="Stichtag"
          value={cutoffDate}
          required
          onInput={(e) => setCutoffDate(e.currentTarget.value)}
          hint="Abgerechnet wird, was vor 0:00 Uhr des Stichtags gebucht wurde (höchstens morgen)."
        />
        <div class="acc-form-action">
          <Button type="submit" busy={busy} disabled={!cutoffDate}>
            Abrechnungslauf starten
          </Button>
        </div>
      </form>
      {error && <Alert tone="error">{error}</Alert>}
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
  const [executionDate, setExecutionDate] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const sum = batches.reduce((n, b) => n + b.totalCents, 0);

  async function create(event: Event) {
    event.preventDefault();
    if (batches.length === 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const file = await createPaymentFile(
        batches.map((b) => b.id),
        executionDate || undefined,
      );
      navigate(paymentFilePath(file.id));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

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
      <form class="acc-form" onSubmit={create} noValidate>
        <Field
          name="executionDate"
          type="date"
          label="Ausführungsdatum"
          value={executionDate}
          onInput={(e) => setExecutionDate(e.currentTarget.value)}
          hint="Leer lassen: nächster Bankarbeitstag."
        />
        <div class="acc-form-action acc-actions">
          <Button type="submit" busy={busy} disabled={batches.length === 0}>
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
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}
