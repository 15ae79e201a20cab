import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { messageOf } from '../../api/problems';
import { Alert, Button, formatCents } from '../../ui';
import { type BankStatementResult, importBankStatement, listBankStatements } from './accounting-api';
import { batchPath, Link, PageHead } from './common';

const UNMATCHED_REASONS: Record<BankStatementResult['unmatched'][number]['reason'], string> = {
  unknown_end_to_end_id: 'Unbekannte Referenz (EndToEndId)',
  amount_mismatch: 'Betrag weicht ab',
  batch_not_exported: 'Abrechnung ist nicht in einer Zahlungsdatei',
  return_without_transfer: 'Rückgabe ohne passende Überweisung',
};

/** Return reason codes (ISO 20022 ExternalReturnReason1Code) the desk explains in German. */
const RETURN_REASONS: Record<string, string> = {
  AC01: 'IBAN fehlerhaft',
  AC04: 'Konto aufgelöst',
  AC06: 'Konto gesperrt',
  AG01: 'Transaktion für dieses Konto nicht erlaubt',
  MD07: 'Kontoinhaber verstorben',
  MS03: 'Sonstiger Grund der Bank',
};

/** A table that scrolls sideways on a phone; focusable so a keyboard can scroll it (axe scrollable-region-focusable). */
function ScrollRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
    <section class="table-wrap" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}

function Result({ result, replayed }: { result: BankStatementResult; replayed: boolean }) {
  return (
    <div class="card" data-testid="statement-result">
      <h2>Ergebnis {result.messageId}</h2>
      {replayed && (
        <Alert tone="info">Dieser Kontoauszug wurde schon eingelesen. Es wurde nichts erneut gebucht.</Alert>
      )}
      <dl class="facts">
        <dt>Format</dt>
        <dd>{result.format}</dd>
        <dt>als bezahlt verbucht</dt>
        <dd data-testid="matched-count">{result.matchedCount}</dd>
        <dt>schon früher verbucht</dt>
        <dd>{result.alreadyAppliedCount}</dd>
        <dt>zurückgekommen</dt>
        <dd>{result.returned.length}</dd>
        <dt>zu klären</dt>
        <dd>{result.unmatched.length}</dd>
      </dl>
      {result.returned.length > 0 && (
        <ScrollRegion label="Zurückgekommene Überweisungen">
          <table class="acc-table" data-testid="statement-returned">
            <caption>Zurückgekommene Überweisungen</caption>
            <thead>
              <tr>
                <th scope="col">Abrechnung</th>
                <th scope="col">Grund</th>
              </tr>
            </thead>
            <tbody>
              {result.returned.map((r) => (
                <tr key={r.batchId}>
                  <th scope="row">
                    <Link href={batchPath(r.batchId)}>{r.batchNumber}</Link>
                  </th>
                  <td>
                    {r.reasonCode} {RETURN_REASONS[r.reasonCode] ? `– ${RETURN_REASONS[r.reasonCode]}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {result.unmatched.length > 0 && (
        <ScrollRegion label="Zu klärende Buchungen">
          <table class="acc-table" data-testid="statement-unmatched">
            <caption>
              Zu klären
              <span class="acc-sub">Diese Buchungen wurden keiner Abrechnung zugeordnet – bitte von Hand prüfen.</span>
            </caption>
            <thead>
              <tr>
                <th scope="col">Referenz</th>
                <th scope="col">Grund</th>
                <th scope="col" class="num">
                  Betrag
                </th>
                <th scope="col" class="num">
                  erwartet
                </th>
              </tr>
            </thead>
            <tbody>
              {result.unmatched.map((u, i) => (
                <tr key={`${u.endToEndId}-${i}`}>
                  <th scope="row">{u.endToEndId ?? '(ohne Referenz)'}</th>
                  <td>{UNMATCHED_REASONS[u.reason]}</td>
                  <td class="num">{formatCents(u.amountCents)}</td>
                  <td class="num">{u.expectedCents === undefined ? '' : formatCents(u.expectedCents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </div>
  );
}

/** Upload of the bank's camt.054 / camt.053 file; matched transfers become paid with the value date. */
export function BankStatementsPage() {
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<{ result: BankStatementResult; replayed: boolean }>();
  const [history, setHistory] = useState<BankStatementResult[]>();

  const refresh = () =>
    listBankStatements()
      .then(setHistory)
      .catch((err) => setError(messageOf(err)));
  useEffect(() => {
    refresh();
  }, []);

  async function upload(event: Event) {
    event.preventDefault();
    if (!file) {
      setError('Bitte zuerst eine camt-Datei (XML) auswählen.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      setResult(await importBankStatement(await file.text()));
      await refresh();
    } catch (err) {
      setResult(undefined);
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="page-title">
      <PageHead title="Kontoauszüge" />
      <form class="card acc-upload" onSubmit={upload}>
        <p>
          Die Bank meldet ausgeführte und zurückgekommene Überweisungen als camt.054 (Buchungsbenachrichtigung) oder
          camt.053 (Kontoauszug). Passende Abrechnungen werden mit dem Valutadatum als bezahlt verbucht.
        </p>
        <label for="camt-file">camt-Datei (XML)</label>
        <input
          id="camt-file"
          type="file"
          accept=".xml,application/xml,text/xml"
          onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0])}
        />
        <div>
          <Button type="submit" disabled={busy}>
            {busy ? 'Wird eingelesen …' : 'Kontoauszug einlesen'}
          </Button>
        </div>
      </form>
      {error && <Alert tone="error">{error}</Alert>}
      {result && <Result result={result.result} replayed={result.replayed} />}
      {history && (
        <div class="card">
          <ScrollRegion label="Eingelesene Kontoauszüge">
            <table class="acc-table" data-testid="statement-history">
              <caption>Eingelesene Kontoauszüge</caption>
              <thead>
                <tr>
                  <th scope="col">Nachrichten-ID</th>
                  <th scope="col">Format</th>
                  <th scope="col" class="num">
                    bezahlt
                  </th>
                  <th scope="col" class="num">
                    zurück
                  </th>
                  <th scope="col" class="num">
                    zu klären
                  </th>
                </tr>
              </thead>
              <tbody>
                {history.length === 0 && (
                  <tr>
                    <td colSpan={5} class="empty">
                      Noch keine Kontoauszüge eingelesen.
                    </td>
                  </tr>
                )}
                {history.map((h) => (
                  <tr key={h.id}>
                    <th scope="row">{h.messageId}</th>
                    <td>{h.format}</td>
                    <td class="num">{h.matchedCount}</td>
                    <td class="num">{h.returned.length}</td>
                    <td class="num">{h.unmatched.length}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </div>
      )}
    </section>
  );
}
