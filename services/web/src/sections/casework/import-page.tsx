import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../../api/problems';
import { Alert, Button, type Column, Table } from '../../ui';
import { BulkPrint } from './bulk-print';
import { getImport, type ImportJob, postImport } from './casework-api';

type ReportLine = ImportJob['report'][number];

const HEADER =
  'Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Kostentraeger;Gueltig_ab;Gueltig_bis;Betrag;Stunden;Stundensatz;Anbieter;Fach;Bescheid;Stadtbezirk';
const TEMPLATE_URL = `data:text/csv;charset=utf-8,${encodeURIComponent(`\uFEFF${HEADER}\r\n`)}`;
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
          mit Semikolon, Datum als TT.MM.JJJJ, Beträge mit Komma.{' '}
          <a href={TEMPLATE_URL} download="teilhabekarte-import-vorlage.csv">
            Vorlage herunterladen
          </a>
        </p>
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
    </section>
  );
}
