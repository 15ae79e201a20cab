import { useRef, useState } from 'preact/hooks';
import { ApiError, messageOf } from '../../api/problems';
import { Alert, Button, type Column, Table } from '../../ui';
import { newIdempotencyKey, type RedemptionImportReport, uploadRedemptionFile } from './terminal-api';

type Declined = RedemptionImportReport['declined'][number];

/** The template: the contract's header and one example line per kind (example card numbers fail the check digit). */
const TEMPLATE = [
  'cardNumber;serviceDate;benefitType;amount;minutes;purpose',
  '1234 5678 9012 3456;18.11.2026;Ausflug;25,00;;Klassenfahrt Harz',
  '4000 1234 1234 1235;17.11.2026;Lernförderung;;45;Mathematik',
  '4000 1234 1234 1236;20.11.2026;Mittagessen;;;',
  '4000 1234 1234 1237;2026-11-01;Teilhabe;15,00;;Mitgliedsbeitrag November',
].join('\r\n');
const TEMPLATE_URL = `data:text/csv;charset=utf-8,${encodeURIComponent(`\uFEFF${TEMPLATE}\r\n`)}`;

const REASONS: Record<string, string> = {
  validation_failed: 'Eingabe ungültig',
  amount_required: 'Angabe fehlt',
  invalid_code: 'Kartennummer ungültig',
  card_not_found: 'Karte unbekannt',
  card_blocked: 'Karte gesperrt',
  insufficient_budget: 'Budget reicht nicht',
  already_redeemed_today: 'Schon gegessen',
  approval_not_active: 'Bewilligung nicht gültig',
  service_date_invalid: 'Datum nicht zulässig',
  not_redeemable_here: 'Nicht bei Ihnen einlösbar',
  meal_price_missing: 'Kein Essenspreis',
  rate_limited: 'Zu viele Ablehnungen',
  idempotency_key_reused: 'Schon anders gebucht',
  conflict: 'Gleichzeitige Buchung',
};

const columns: Column<Declined>[] = [
  { header: 'Zeile', numeric: true, cell: (d) => d.line },
  { header: 'Grund', cell: (d) => REASONS[d.code] ?? d.code },
  { header: 'Hinweis', cell: (d) => d.detail },
];

/** The server's German detail where it says more than the generic text (too many unknown numbers, file errors). */
function explain(err: unknown): string {
  if (err instanceof ApiError && err.code === 'rate_limited' && err.problem?.detail?.startsWith('Zu viele')) {
    return err.problem.detail;
  }
  if (err instanceof ApiError && err.code === 'payload_too_large') {
    return err.problem?.detail?.startsWith('Die Datei')
      ? err.problem.detail
      : 'Die Datei ist zu groß (höchstens 1 MiB und 5.000 Zeilen); bitte aufteilen.';
  }
  return messageOf(err);
}

const lines = (n: number) => (n === 1 ? '1 Zeile' : `${n} Zeilen`);

function Report({ report, caption }: { report: RedemptionImportReport; caption: string }) {
  if (report.declined.length === 0) return null;
  return <Table caption={caption} columns={columns} rows={report.declined} rowKey={(d) => `${d.line}-${d.code}`} />;
}

/**
 * Sammelbuchung (provider admin): a whole list at once — a class trip, a month of tutoring, a canteen
 * list. The file is checked first (dry run, German line report), then booked with „Buchen“; every line
 * is booked like a single booking at the terminal. A repeated upload books nothing twice.
 */
export function BulkPage() {
  const [file, setFile] = useState<File>();
  const [key, setKey] = useState<string>(newIdempotencyKey);
  const [check, setCheck] = useState<RedemptionImportReport>();
  const [result, setResult] = useState<RedemptionImportReport>();
  const [busy, setBusy] = useState<'check' | 'book'>();
  const [error, setError] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);

  async function runCheck(event: Event) {
    event.preventDefault();
    if (!file) {
      setError('Bitte zuerst eine CSV-Datei auswählen.');
      fileInput.current?.focus();
      return;
    }
    setBusy('check');
    setError(undefined);
    setResult(undefined);
    try {
      setCheck(await uploadRedemptionFile(file, { dryRun: true, idempotencyKey: key }));
    } catch (err) {
      setCheck(undefined);
      setError(explain(err));
    } finally {
      setBusy(undefined);
    }
  }

  async function runBooking() {
    if (!file) return;
    setBusy('book');
    setError(undefined);
    try {
      setResult(await uploadRedemptionFile(file, { dryRun: false, idempotencyKey: key }));
    } catch (err) {
      setError(`${explain(err)} Sie können „Buchen“ gefahrlos erneut drücken: keine Zeile wird doppelt gebucht.`);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section class="card stack" aria-labelledby="bulk-title">
      <h2 id="bulk-title">Sammelbuchung</h2>
      <form class="stack" onSubmit={runCheck} noValidate>
        <p>
          Mehrere Buchungen auf einmal, z. B. eine Klassenfahrt, die Anwesenheitsliste des Monats oder eine Essensliste:
          eine Zeile je Buchung, getrennt mit Semikolon, Datum als TT.MM.JJJJ, Betrag in Euro mit Komma, bei
          Lernförderung die Minuten. Jede Zeile wird wie eine einzelne Buchung am Terminal geprüft.{' '}
          <a href={TEMPLATE_URL} download="sammelbuchung-vorlage.csv">
            Vorlage herunterladen
          </a>
        </p>
        <div class="field">
          <label for="bulk-file">CSV-Datei</label>
          <input
            ref={fileInput}
            id="bulk-file"
            type="file"
            accept=".csv,text/csv"
            aria-describedby="bulk-file-hint"
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0]);
              setKey(newIdempotencyKey());
              setCheck(undefined);
              setResult(undefined);
              setError(undefined);
            }}
          />
          <p class="field-hint" id="bulk-file-hint">
            Zuerst wird die Datei nur geprüft; gebucht wird erst mit „Buchen“. Höchstens 5.000 Zeilen.
          </p>
        </div>
        <div>
          <Button type="submit" busy={busy === 'check'} disabled={busy === 'book'}>
            Datei prüfen
          </Button>
        </div>
      </form>
      {error && <Alert tone="error">{error}</Alert>}
      {check && !result && (
        <section class="stack" aria-labelledby="bulk-check-title" data-testid="bulk-check">
          <h3 id="bulk-check-title">Prüfung: {file?.name}</h3>
          {check.declined.length === 0 ? (
            <Alert tone="success">Alle {lines(check.bookedCount)} können gebucht werden.</Alert>
          ) : (
            <Alert tone="warning">
              {lines(check.bookedCount)} {check.bookedCount === 1 ? 'kann' : 'können'} gebucht werden,{' '}
              {lines(check.declined.length)} {check.declined.length === 1 ? 'würde' : 'würden'} abgelehnt. Abgelehnte
              Zeilen bitte korrigieren und einzeln oder in einer neuen Datei buchen.
            </Alert>
          )}
          <Report report={check} caption="Zeilen, die abgelehnt würden" />
          {check.bookedCount > 0 && (
            <div class="form-actions">
              <Button busy={busy === 'book'} onClick={() => void runBooking()}>
                {`Buchen (${lines(check.bookedCount)})`}
              </Button>
            </div>
          )}
        </section>
      )}
      {result && (
        <section class="stack" aria-labelledby="bulk-result-title" data-testid="bulk-result">
          <h3 id="bulk-result-title">Ergebnis: {file?.name}</h3>
          <Alert tone={result.declined.length === 0 ? 'success' : 'warning'}>
            {result.bookedCount === 1 ? '1 Buchung' : `${result.bookedCount} Buchungen`} gebucht
            {result.declined.length > 0 ? `, ${lines(result.declined.length)} abgelehnt` : ''}. Die Buchungen stehen im
            Verlauf.
          </Alert>
          <Report report={result} caption="Abgelehnte Zeilen" />
        </section>
      )}
    </section>
  );
}
