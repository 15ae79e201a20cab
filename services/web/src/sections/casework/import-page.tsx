import { formatCardNumber } from '@tk/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../../api/problems';
import { linkClick } from '../../router';
import { Alert, Button, type Column, formatTimestamp, Table } from '../../ui';
import { useAction } from '../../ui/use-action';
import { useLoad } from '../../ui/use-load';
import { BulkPrint } from './bulk-print';
import {
  childPath,
  downloadImportTemplate,
  getImport,
  type ImportedChild,
  type ImportJob,
  type ImportSummary,
  listImportChildren,
  listImports,
  openCardPdf,
  postImport,
} from './casework-api';

type ReportLine = ImportJob['report'][number];

const POLL_MS = 500;

const columns: Column<ReportLine>[] = [
  { header: 'Zeile', numeric: true, cell: (r) => r.line },
  { header: 'Feld', cell: (r) => r.field },
  { header: 'Meldung', cell: (r) => r.message },
];

function Summary({ job }: { job: ImportJob }) {
  const dry = job.mode === 'dry_run';
  return (
    <dl class="facts" data-testid="import-summary">
      <dt>Zeilen</dt>
      <dd>{job.totalRows}</dd>
      <dt>gültig</dt>
      <dd>{job.validRows}</dd>
      <dt>fehlerhaft</dt>
      <dd>{job.invalidRows}</dd>
      {job.unchangedRows > 0 && (
        <>
          <dt>schon importiert</dt>
          <dd>{job.unchangedRows}</dd>
        </>
      )}
      <dt>{dry ? 'neue Kinder (würden angelegt)' : 'neue Kinder'}</dt>
      <dd>{job.createdBeneficiaries}</dd>
      <dt>{dry ? 'neue Bewilligungen (würden angelegt)' : 'neue Bewilligungen'}</dt>
      <dd>{job.createdApprovals}</dd>
      {!dry && (
        <>
          <dt>ausgestellte Karten</dt>
          <dd>{job.issuedCards}</dd>
        </>
      )}
    </dl>
  );
}

/**
 * CSV import from the case-management systems: a dry run first (German report per line), then the
 * import of the valid rows in the background with a progress bar. The same file again changes nothing.
 */
export function ImportPage() {
  const [file, setFile] = useState<File>();
  const [issueCards, setIssueCards] = useState(true);
  const [dryRun, setDryRun] = useState<ImportJob>();
  const [job, setJob] = useState<ImportJob>();
  const [busy, setBusy] = useState<'check' | 'import'>();
  const [error, setError] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);
  const history = useLoad(listImports, []);
  const template = useAction();

  // Poll a running import until it is done.
  useEffect(() => {
    if (job?.status !== 'running') return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      getImport(job.id, controller.signal).then(setJob, (err) => controller.signal.aborted || setError(messageOf(err)));
    }, POLL_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [job]);

  useEffect(() => {
    if (dryRun) resultHeading.current?.focus();
  }, [dryRun?.id]);

  // A finished import (or dry run) belongs to the history at once.
  useEffect(() => {
    if (dryRun || (job && job.status !== 'running')) history.reload();
  }, [dryRun?.id, job?.status]);

  async function check(event: Event) {
    event.preventDefault();
    if (!file) {
      setError('Bitte zuerst eine CSV-Datei auswählen.');
      fileInput.current?.focus();
      return;
    }
    setBusy('check');
    setError(undefined);
    setJob(undefined);
    try {
      setDryRun(await postImport(file, { mode: 'dry_run' }));
    } catch (err) {
      setDryRun(undefined);
      setError(messageOf(err));
    } finally {
      setBusy(undefined);
    }
  }

  async function runImport() {
    if (!file) return;
    setBusy('import');
    setError(undefined);
    try {
      setJob(await postImport(file, { mode: 'import', async: 'true', issueCards: issueCards ? 'true' : 'false' }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(undefined);
    }
  }

  const running = job?.status === 'running';
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Import (CSV)</h1>
      <form class="card" onSubmit={check} noValidate>
        <p>
          Bewilligungen aus der Fachsoftware (Jobcenter, Sozialamt) als CSV-Datei: eine Zeile je Bewilligung, getrennt
          mit Semikolon, Datum als TT.MM.JJJJ, Beträge mit Komma. Die Vorlage enthält je Leistungsart eine
          Beispielzeile; zusammen zeigen sie alle erlaubten Werte für Leistungsart, Rechtskreis und Kostenträger.
        </p>
        <div class="form-actions" style={{ marginBottom: '1rem' }}>
          <Button
            variant="secondary"
            busy={template.busy !== undefined}
            onClick={() => void template.run('template', downloadImportTemplate)}
          >
            Vorlage mit Beispielen herunterladen
          </Button>
          {template.error && (
            <span role="alert" class="field-error">
              {template.error}
            </span>
          )}
        </div>
        <div class="field">
          <label for="import-file">CSV-Datei</label>
          <input
            ref={fileInput}
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            aria-describedby="import-file-hint"
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0]);
              setDryRun(undefined);
              setJob(undefined);
              setError(undefined);
            }}
          />
          <p class="field-hint" id="import-file-hint">
            Zuerst wird die Datei nur geprüft; gespeichert wird erst mit „Importieren“.
          </p>
        </div>
        <div class="checks">
          <label>
            <input type="checkbox" checked={issueCards} onChange={(e) => setIssueCards(e.currentTarget.checked)} />
            Für neu angelegte Kinder gleich eine Karte ausstellen
          </label>
        </div>
        <Button type="submit" busy={busy === 'check'} disabled={running}>
          Datei prüfen
        </Button>
      </form>
      {error && <Alert tone="error">{error}</Alert>}
      {dryRun && (
        <section class="card" aria-labelledby="dry-run-title">
          <h2 id="dry-run-title" ref={resultHeading} tabIndex={-1}>
            Ergebnis der Prüfung: {dryRun.fileName}
          </h2>
          {dryRun.invalidRows === 0 ? (
            <Alert tone="success">Alle Zeilen sind gültig.</Alert>
          ) : (
            <Alert tone="warning">
              {dryRun.invalidRows === 1 ? '1 Zeile ist fehlerhaft' : `${dryRun.invalidRows} Zeilen sind fehlerhaft`} und
              wird beim Import übersprungen. Bitte in der Fachsoftware korrigieren und die Datei erneut einlesen.
            </Alert>
          )}
          <Summary job={dryRun} />
          {dryRun.report.length > 0 && (
            <Table
              caption="Fehlerbericht"
              columns={columns}
              rows={dryRun.report}
              rowKey={(r) => `${r.line}-${r.field}-${r.message}`}
            />
          )}
          {!job && dryRun.validRows > 0 && (
            <div class="form-actions">
              <Button busy={busy === 'import'} onClick={() => void runImport()}>
                {dryRun.validRows === 1
                  ? '1 gültige Zeile importieren'
                  : `${dryRun.validRows} gültige Zeilen importieren`}
              </Button>
            </div>
          )}
        </section>
      )}
      {job && (
        <section class="card" aria-labelledby="import-title">
          <h2 id="import-title">
            Import {running ? 'läuft …' : job.status === 'completed' ? 'abgeschlossen' : 'fehlgeschlagen'}
          </h2>
          <label for="import-progress">
            {job.processedRows} von {job.totalRows} Zeilen verarbeitet
          </label>
          <progress id="import-progress" max={Math.max(job.totalRows, 1)} value={job.processedRows} />
          {job.status === 'completed' && (
            <>
              <Alert tone="success">Der Import ist abgeschlossen.</Alert>
              <Summary job={job} />
              {job.issuedCards > 0 && (
                <section aria-labelledby="import-print-title">
                  <h3 id="import-print-title">Alle neuen Karten drucken</h3>
                  <p class="muted">
                    {job.issuedCards === 1 ? 'Die neue Karte' : `Die ${job.issuedCards} neuen Karten`} dieses Imports
                    auf einmal drucken; inzwischen gesperrte Karten werden ausgelassen.
                  </p>
                  <BulkPrint selection={{ importJobId: job.id }} count={job.issuedCards} idPrefix="import" />
                </section>
              )}
            </>
          )}
          {job.status === 'failed' && (
            <Alert tone="error">Der Import ist fehlgeschlagen. Bitte erneut versuchen.</Alert>
          )}
        </section>
      )}
      <ImportHistory imports={history.data} error={history.error} />
    </section>
  );
}

const MODE_NAMES: Record<ImportSummary['mode'], string> = { dry_run: 'Prüfung', import: 'Import' };
const STATUS_NAMES: Record<ImportSummary['status'], string> = {
  running: 'läuft',
  completed: 'abgeschlossen',
  failed: 'fehlgeschlagen',
};

/** The latest imports (the API keeps the last 50), each with the children and cards it created. */
function ImportHistory({ imports, error }: { imports: ImportSummary[] | undefined; error: string | undefined }) {
  const [open, setOpen] = useState<string>();
  const columns: Column<ImportSummary>[] = [
    { header: 'Datum', cell: (j) => formatTimestamp(j.createdAt) },
    { header: 'Datei', cell: (j) => j.fileName ?? '–' },
    { header: 'Art', cell: (j) => MODE_NAMES[j.mode] },
    { header: 'Status', cell: (j) => STATUS_NAMES[j.status] },
    { header: 'Zeilen', numeric: true, cell: (j) => j.totalRows },
    { header: 'fehlerhaft', numeric: true, cell: (j) => j.invalidRows },
    { header: 'neue Kinder', numeric: true, cell: (j) => (j.mode === 'import' ? j.createdBeneficiaries : '–') },
    { header: 'Karten', numeric: true, cell: (j) => (j.mode === 'import' ? j.issuedCards : '–') },
    {
      header: 'Angelegt',
      cell: (j) =>
        j.mode === 'import' && j.createdBeneficiaries > 0 ? (
          <Button
            variant="ghost"
            aria-expanded={open === j.id}
            onClick={() => setOpen(open === j.id ? undefined : j.id)}
          >
            {open === j.id ? 'Kinder ausblenden' : `Kinder und Karten (${j.createdBeneficiaries})`}
          </Button>
        ) : (
          '–'
        ),
    },
  ];
  const shown = imports?.find((j) => j.id === open);
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">Bisherige Importe</h2>
      {error && <Alert tone="error">{error}</Alert>}
      {imports && (
        <Table
          caption="Bisherige Importe"
          columns={columns}
          rows={imports}
          rowKey={(j) => j.id}
          empty="Noch keine Importe."
        />
      )}
      {shown && <ImportChildren job={shown} />}
    </section>
  );
}

/** The children one import created, linked to their pages, with their cards (print as PDF). */
function ImportChildren({ job }: { job: ImportSummary }) {
  const children = useLoad((signal) => listImportChildren(job.id, signal), [job.id]);
  const print = useAction<string>();
  const columns: Column<ImportedChild>[] = [
    {
      header: 'Kind',
      cell: (c) =>
        c.displayName ? (
          <a href={childPath(c.beneficiaryId)} onClick={linkClick}>
            {c.displayName}
          </a>
        ) : (
          'pseudonymisiert'
        ),
    },
    { header: 'Aktenzeichen', cell: (c) => c.caseReference ?? '–' },
    {
      header: 'Karte',
      cell: (c) => (c.cardNumber ? <span class="counter">{formatCardNumber(c.cardNumber)}</span> : '–'),
    },
    {
      header: 'Druck',
      cell: (c) =>
        c.cardId ? (
          <Button
            variant="ghost"
            busy={print.busy === c.cardId}
            aria-label={`Karte drucken: ${c.displayName ?? 'dieses Kind'} (PDF)`}
            onClick={() => void print.run(c.cardId as string, () => openCardPdf(c.cardId as string))}
          >
            Karte drucken
          </Button>
        ) : (
          '–'
        ),
    },
  ];
  return (
    <section aria-labelledby="import-children-title" data-testid="import-children" style={{ marginTop: '1.5rem' }}>
      <h3 id="import-children-title">
        Angelegt durch den Import vom {formatTimestamp(job.createdAt)}
        {job.fileName ? ` (${job.fileName})` : ''}
      </h3>
      {children.error && <Alert tone="error">{children.error}</Alert>}
      {print.error && <Alert tone="error">{print.error}</Alert>}
      {children.data && (
        <Table
          caption="Kinder und Karten dieses Imports"
          columns={columns}
          rows={children.data}
          rowKey={(c) => c.beneficiaryId}
          empty="Keine Kinder (inzwischen gelöscht oder pseudonymisiert)."
        />
      )}
    </section>
  );
}
