import { ACCESS_ACTION_NAMES, type AccessAction } from '@tk/core';
import { useState } from 'preact/hooks';
import { Alert, Button, type Column, formatTimestamp, Table } from '../../ui';
import { useAction } from '../../ui/use-action';
import { useLoad } from '../../ui/use-load';
import { type AccessLogEntry, type Beneficiary, downloadDataExport, getAccessLog } from './casework-api';

const PAGE = 20;

/**
 * Data protection on the child page: the information for the family under Art. 15 GDPR (PDF or JSON)
 * and the access log (Zugriffsprotokoll): who in the city read the child's data, when and how, and
 * when the family looked up the balance. Opening the child page is itself in the log (reading the log is not).
 */
export function AccessLogPanel({ child }: { child: Beneficiary }) {
  const [shown, setShown] = useState(PAGE);
  const log = useLoad((signal) => getAccessLog(child.id, shown, signal), [child.id, shown]);
  const { busy, error, run } = useAction<'pdf' | 'json'>();

  const exportAs = async (format: 'pdf' | 'json') => {
    if (await run(format, () => downloadDataExport(child.id, format))) log.reload();
  };

  const columns: Column<AccessLogEntry>[] = [
    { header: 'Zeitpunkt', cell: (e) => formatTimestamp(e.at) },
    { header: 'Benutzer', cell: (e) => e.username ?? <span class="muted">Familie</span> },
    { header: 'Vorgang', cell: (e) => ACCESS_ACTION_NAMES[e.action as AccessAction] ?? e.action },
  ];
  const total = log.data?.total ?? 0;

  return (
    <section class="card" aria-labelledby="privacy-title" data-testid="access-log">
      <div class="page-head">
        <h2 id="privacy-title">Datenschutz</h2>
        <div class="row-actions">
          <Button busy={busy === 'pdf'} onClick={() => void exportAs('pdf')}>
            Auskunft nach Art. 15 DSGVO (PDF)
          </Button>
          <Button variant="secondary" busy={busy === 'json'} onClick={() => void exportAs('json')}>
            Auskunft als JSON
          </Button>
        </div>
      </div>
      {error && <Alert tone="error">{error}</Alert>}
      <h3>Zugriffsprotokoll</h3>
      <p class="muted">
        Jeder Zugriff auf die Daten des Kindes wird hier protokolliert: Suche, Kinderseite, Bewilligung, Karte, Druck,
        Auskunft und die Guthabenabfrage der Familie.
      </p>
      {log.error && <Alert tone="error">{log.error}</Alert>}
      <Table
        caption={`Zugriffe auf die Daten von ${child.givenName} ${child.familyName} (${total})`}
        columns={columns}
        rows={log.data?.items ?? []}
        rowKey={(e) => `${e.at}-${e.username}-${e.action}`}
        empty={log.loading ? 'Wird geladen …' : 'Noch keine Zugriffe.'}
      />
      {total > shown && (
        <Button variant="secondary" onClick={() => setShown(shown + PAGE * 5)}>
          Ältere Zugriffe anzeigen ({total - shown} weitere)
        </Button>
      )}
    </section>
  );
}
