import { useState } from 'preact/hooks';
import { Alert, Button, formatCents, formatDate, formatTimestamp } from '../../ui';
import { useAction } from '../../ui/use-action';
import { useLoad } from '../../ui/use-load';
import {
  downloadBookings,
  downloadSepa,
  getPaymentFile,
  listBatches,
  listPaymentFiles,
  markPaymentFilePaid,
} from './accounting-api';
import {
  BASE,
  BatchStatusChip,
  batchPath,
  Link,
  PageHead,
  PaymentFileStatusChip,
  paymentFilePath,
  period,
} from './common';
import { PaidDialog } from './paid-dialog';

/** All payment files, newest first. */
export function PaymentFilesPage() {
  const { data: files, error } = useLoad(listPaymentFiles, []);

  return (
    <section aria-labelledby="page-title">
      <PageHead title="Zahlungsdateien" />
      {error && <Alert tone="error">{error}</Alert>}
      {!files && !error && <p class="muted">Zahlungsdateien werden geladen …</p>}
      {files && (
        <div class="card">
          <div class="table-wrap">
            <table class="acc-table" data-testid="payment-files">
              <caption>
                {files.length} {files.length === 1 ? 'Zahlungsdatei' : 'Zahlungsdateien'}
                <span class="acc-sub">
                  Neue Zahlungsdateien entstehen unter „Abrechnungen“ aus angeordneten Abrechnungen.
                </span>
              </caption>
              <thead>
                <tr>
                  <th scope="col">Nachrichten-ID</th>
                  <th scope="col">Ausführungsdatum</th>
                  <th scope="col">Erstellt</th>
                  <th scope="col" class="num">
                    Abrechnungen
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Summe
                  </th>
                </tr>
              </thead>
              <tbody>
                {files.length === 0 && (
                  <tr>
                    <td colSpan={6} class="empty">
                      Noch keine Zahlungsdateien.
                    </td>
                  </tr>
                )}
                {files.map((f) => (
                  <tr key={f.id}>
                    <th scope="row">
                      <Link href={paymentFilePath(f.id)}>{f.messageId}</Link>
                    </th>
                    <td>{formatDate(f.executionDate)}</td>
                    <td>{formatTimestamp(f.createdAt)}</td>
                    <td class="num">{f.batchCount}</td>
                    <td>
                      <PaymentFileStatusChip status={f.status} />
                    </td>
                    <td class="num">{formatCents(f.totalCents)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

/** One payment file: downloads (SEPA XML, booking list CSV), its batches, and "paid". */
export function PaymentFileDetailPage({ id }: { id: string }) {
  const loaded = useLoad(
    (signal) => Promise.all([getPaymentFile(id, signal), listBatches({ paymentFileId: id }, signal)]),
    [id],
  );
  const [file, batchPage] = loaded.data ?? [];
  const batches = batchPage?.items;
  const { busy, error, run: runAction } = useAction<'sepa' | 'csv' | 'paid'>();
  const [notice, setNotice] = useState<string>();
  const [confirmPaid, setConfirmPaid] = useState(false);
  const [codes, setCodes] = useState(false);
  const shownError = (confirmPaid ? undefined : error) ?? loaded.error;

  async function run(kind: 'sepa' | 'csv' | 'paid', paidOn = '') {
    if (!file) return;
    const ok = await runAction(kind, async () => {
      if (kind === 'sepa') await downloadSepa(file);
      else if (kind === 'csv') await downloadBookings(file, codes);
      else {
        await markPaymentFilePaid(file.id, paidOn);
        setNotice('Die Zahlungsdatei ist als bezahlt vermerkt; ihre Abrechnungen sind abgeschlossen.');
        loaded.reload();
      }
    });
    if (ok || kind !== 'paid') setConfirmPaid(false);
  }

  return (
    <section aria-labelledby="page-title">
      <Link href={`${BASE}/zahlungsdateien`} class="acc-back">
        ← Alle Zahlungsdateien
      </Link>
      <PageHead title={file ? `Zahlungsdatei ${file.messageId}` : 'Zahlungsdatei'} />
      {shownError && <Alert tone="error">{shownError}</Alert>}
      {notice && <Alert tone="success">{notice}</Alert>}
      {!file && !shownError && <p class="muted">Zahlungsdatei wird geladen …</p>}
      {file && (
        <>
          <div class="card">
            <dl class="acc-summary">
              <div>
                <dt>Status</dt>
                <dd>
                  <PaymentFileStatusChip status={file.status} />
                </dd>
              </div>
              <div>
                <dt>Ausführungsdatum</dt>
                <dd>{formatDate(file.executionDate)}</dd>
              </div>
              <div>
                <dt>Abrechnungen</dt>
                <dd>{file.batchCount}</dd>
              </div>
              <div>
                <dt>Summe</dt>
                <dd class="amount" data-testid="file-total">
                  {formatCents(file.totalCents)}
                </dd>
              </div>
              <div>
                <dt>Erstellt</dt>
                <dd>{formatTimestamp(file.createdAt)}</dd>
              </div>
              <div>
                <dt>Format</dt>
                <dd>SEPA-Überweisung (pain.001.001.09)</dd>
              </div>
            </dl>
          </div>
          <section class="card" aria-labelledby="downloads-title">
            <h2 id="downloads-title" class="acc-card-title">
              Dateien und Zahlung
            </h2>
            <p class="muted">
              Die SEPA-Datei geht an die Bank, die Buchungsliste (CSV, aufgeteilt nach Rechtsgrundlage und Kostenträger)
              an die Finanzsoftware. Spalten, Kostenstellen und Sachkonten legt die Buchhaltung unter{' '}
              <Link href={`${BASE}/buchungsliste`}>Buchungsliste</Link> fest.
            </p>
            <div class="checks">
              <label>
                <input type="checkbox" checked={codes} onChange={(e) => setCodes(e.currentTarget.checked)} />
                Buchungsliste mit Codes statt Bezeichnungen (z. B. SGB_II statt SGB II)
              </label>
            </div>
            <div class="acc-actions">
              <Button busy={busy === 'sepa'} onClick={() => run('sepa')}>
                SEPA-Datei (XML) herunterladen
              </Button>
              <Button variant="secondary" busy={busy === 'csv'} onClick={() => run('csv')}>
                Buchungsliste (CSV) herunterladen
              </Button>
              {file.status !== 'paid' && (
                <Button variant="secondary" busy={busy === 'paid'} onClick={() => setConfirmPaid(true)}>
                  Als bezahlt markieren
                </Button>
              )}
            </div>
          </section>
          {batches && (
            <div class="card">
              <div class="table-wrap">
                <table class="acc-table" data-testid="file-batches">
                  <caption>Abrechnungen in dieser Zahlungsdatei</caption>
                  <thead>
                    <tr>
                      <th scope="col">Nummer</th>
                      <th scope="col">Anbieter</th>
                      <th scope="col">Leistungszeitraum</th>
                      <th scope="col">Status</th>
                      <th scope="col" class="num">
                        Betrag
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {batches.map((b) => (
                      <tr key={b.id}>
                        <th scope="row">
                          <Link href={batchPath(b.id)}>{b.number}</Link>
                        </th>
                        <td>{b.providerName}</td>
                        <td class="nowrap">{period(b)}</td>
                        <td>
                          <BatchStatusChip status={b.status} />
                        </td>
                        <td class="num">{formatCents(b.totalCents)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row" colSpan={4}>
                        Summe
                      </th>
                      <td class="num">{formatCents(file.totalCents)}</td>
                    </tr>
                  </tfoot>
                </table>
              </div>
            </div>
          )}
          <PaidDialog
            open={confirmPaid}
            title="Zahlungsdatei als bezahlt markieren?"
            executionDate={file.executionDate}
            busy={busy === 'paid'}
            error={confirmPaid ? error : undefined}
            onConfirm={(paidOn) => run('paid', paidOn)}
            onCancel={() => setConfirmPaid(false)}
          >
            <p>
              {file.batchCount} {file.batchCount === 1 ? 'Abrechnung' : 'Abrechnungen'} über{' '}
              {formatCents(file.totalCents)}. Nur bestätigen, wenn die Bank die Überweisungen ausgeführt hat.
            </p>
          </PaidDialog>
        </>
      )}
    </section>
  );
}
