import { BATCH_STATUS_NAMES } from '@tk/core';
import { Alert, Button, formatCents, formatDate } from '../../ui';
import { useAction } from '../../ui/use-action';
import { useLoad } from '../../ui/use-load';
import './statements.css';
import { downloadStatement, listBatches } from '../accounting/accounting-api';

/**
 * Abrechnungen: the provider's own settlement batches and their statements (Gutschriften) as PDF.
 * The API answers a provider user with its own batches only; the same client calls as the accounting desk.
 */
export function StatementsPage() {
  const list = useLoad((signal) => listBatches({}, signal), []);
  const batches = list.data?.items;
  const download = useAction();
  const error = download.error ?? list.error;

  return (
    <section class="card" aria-labelledby="statements-title">
      <h2 id="statements-title">Abrechnungen</h2>
      <p>
        Jede Nacht werden Ihre Buchungen des Vortags abgerechnet. Die Gutschrift listet alle abgerechneten Buchungen;
        eine Rechnung an die Stadt ist nicht nötig.
      </p>
      {error && <Alert tone="error">{error}</Alert>}
      {batches === undefined && !error && <p>Abrechnungen werden geladen …</p>}
      {batches?.length === 0 && (
        <p>Noch keine Abrechnung. Die erste entsteht in der Nacht nach Ihrer ersten Buchung.</p>
      )}
      {batches && batches.length > 0 && (
        // A stacked list rather than a table: it fits a phone without scrolling sideways.
        <ul class="statement-list" aria-label="Ihre Abrechnungen">
          {batches.map((b) => (
            <li key={b.id} class="statement-item">
              <div>
                <p class="statement-number">{b.number}</p>
                <p class="statement-meta">
                  {b.periodFrom && b.periodTo ? `${formatDate(b.periodFrom)} – ${formatDate(b.periodTo)} · ` : ''}
                  {b.lineCount} {b.lineCount === 1 ? 'Buchung' : 'Buchungen'} · {BATCH_STATUS_NAMES[b.status]}
                </p>
              </div>
              <div class="statement-actions">
                <span class="statement-amount">{formatCents(b.totalCents)}</span>
                <Button
                  variant="secondary"
                  busy={download.busy === b.id}
                  onClick={() => download.run(b.id, () => downloadStatement(b))}
                  aria-label={`Gutschrift ${b.number} als PDF herunterladen`}
                >
                  PDF
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
