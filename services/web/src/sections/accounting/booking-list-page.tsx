import { BENEFIT_TYPE_NAMES, BENEFIT_TYPES, LEGAL_BASES, LEGAL_BASIS_NAMES } from '@tk/core';
import { useEffect, useState } from 'preact/hooks';
import { loadCatalogue } from '../../api/catalogue';
import { ApiError, messageOf } from '../../api/problems';
import { Alert, Button, formatTimestamp } from '../../ui';
import { useLoad } from '../../ui/use-load';
import {
  type BookingListConfig,
  getBookingListConfig,
  type SaveBookingListConfig,
  saveBookingListConfig,
} from './accounting-api';
import { PageHead } from './common';

type Column = SaveBookingListConfig['columns'][number] & { header: string };
type AccountRow = BookingListConfig['accounts'][number];

const ANY = '*';

/**
 * The booking list for the finance software, as accounting sets it: which columns, in which order,
 * under which headers, and cost centre and account per legal basis × cost bearer × benefit type.
 * Saving makes a new version (audited); every booking list from then on uses it.
 */
export function BookingListPage() {
  const loaded = useLoad((signal) => Promise.all([getBookingListConfig(signal), loadCatalogue()]), []);
  const [config, catalogue] = loaded.data ?? [];
  const [columns, setColumns] = useState<Column[]>([]);
  const [accounts, setAccounts] = useState<AccountRow[]>([]);
  const [adding, setAdding] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!config) return;
    setColumns(config.columns.map((c) => ({ ...c })));
    setAccounts(config.accounts.map((a) => ({ ...a })));
  }, [config]);

  if (!config || !catalogue) {
    return (
      <section aria-labelledby="page-title">
        <PageHead title="Buchungsliste" />
        {loaded.error ? <Alert tone="error">{loaded.error}</Alert> : <p class="muted">Wird geladen …</p>}
      </section>
    );
  }

  const fieldName = (key: string) => config.fields.find((f) => f.key === key)?.defaultHeader ?? key;
  const unused = config.fields.filter((f) => !columns.some((c) => c.key === f.key));
  const move = (index: number, by: number) =>
    setColumns((cols) => {
      const next = [...cols];
      const [moved] = next.splice(index, 1);
      next.splice(index + by, 0, moved as Column);
      return next;
    });
  const setAccount = (index: number, change: Partial<AccountRow>) =>
    setAccounts((rows) => rows.map((r, i) => (i === index ? { ...r, ...change } : r)));

  async function save() {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const saved = await saveBookingListConfig({
        columns: columns.map((c) => ({ key: c.key, header: c.header.trim() || fieldName(c.key) })),
        accounts: accounts.map((a) => ({ ...a, costCentre: a.costCentre.trim(), account: a.account.trim() })),
      });
      loaded.setData([saved, catalogue as NonNullable<typeof catalogue>]);
      setNotice(`Gespeichert als Version ${saved.version}. Jede Buchungsliste ab jetzt verwendet diese Einstellung.`);
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'validation_failed'
          ? 'Bitte prüfen: jede Spalte nur einmal, mindestens eine Spalte, Kostenstelle und Sachkonto in jeder Zeile ausgefüllt, jede Kombination aus Rechtskreis, Kostenträger und Leistungsart nur einmal.'
          : messageOf(err),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="page-title">
      <PageHead title="Buchungsliste" />
      <p class="muted" data-testid="booking-list-version">
        {config.version === 0
          ? 'Standardeinstellung (noch nichts gespeichert).'
          : `Version ${config.version}, gespeichert von ${config.savedByName ?? 'unbekannt'} am ${formatTimestamp(config.savedAt)}.`}{' '}
        Die Einstellung gilt für jede Buchungsliste, die danach heruntergeladen wird.
      </p>
      {notice && <Alert tone="success">{notice}</Alert>}

      <section class="card" aria-labelledby="columns-title">
        <h2 id="columns-title" class="acc-card-title">
          Spalten
        </h2>
        <p class="muted">Reihenfolge und Überschriften der Spalten in der CSV-Datei.</p>
        <div class="table-wrap">
          <table class="acc-table" data-testid="booking-columns">
            <caption class="visually-hidden">Spalten der Buchungsliste</caption>
            <thead>
              <tr>
                <th scope="col">Nr.</th>
                <th scope="col">Inhalt</th>
                <th scope="col">Überschrift</th>
                <th scope="col">
                  <span class="visually-hidden">Aktionen</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {columns.map((c, i) => (
                <tr key={c.key}>
                  <td>{i + 1}</td>
                  <td>{fieldName(c.key)}</td>
                  <td>
                    <input
                      class="acc-cell-input"
                      aria-label={`Überschrift der Spalte ${fieldName(c.key)}`}
                      value={c.header}
                      maxLength={60}
                      onInput={(e) =>
                        setColumns((cols) =>
                          cols.map((x, j) => (j === i ? { ...x, header: e.currentTarget.value } : x)),
                        )
                      }
                    />
                  </td>
                  <td class="acc-row-actions">
                    <Button
                      variant="ghost"
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                      aria-label={`${fieldName(c.key)} nach oben`}
                    >
                      ↑
                    </Button>
                    <Button
                      variant="ghost"
                      disabled={i === columns.length - 1}
                      onClick={() => move(i, 1)}
                      aria-label={`${fieldName(c.key)} nach unten`}
                    >
                      ↓
                    </Button>
                    <Button
                      variant="ghost"
                      disabled={columns.length === 1}
                      onClick={() => setColumns((cols) => cols.filter((_, j) => j !== i))}
                      aria-label={`${fieldName(c.key)} entfernen`}
                    >
                      Entfernen
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {unused.length > 0 && (
          <div class="acc-actions acc-add-row">
            <label for="add-column">Weitere Spalte</label>
            <select id="add-column" value={adding} onChange={(e) => setAdding(e.currentTarget.value)}>
              <option value="">– bitte wählen –</option>
              {unused.map((f) => (
                <option key={f.key} value={f.key}>
                  {f.defaultHeader}
                </option>
              ))}
            </select>
            <Button
              variant="secondary"
              disabled={!adding}
              onClick={() => {
                setColumns((cols) => [...cols, { key: adding as Column['key'], header: fieldName(adding) }]);
                setAdding('');
              }}
            >
              Spalte hinzufügen
            </Button>
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="accounts-title">
        <h2 id="accounts-title" class="acc-card-title">
          Kostenstellen und Sachkonten
        </h2>
        <p class="muted">
          Je Rechtskreis, Kostenträger und Leistungsart; „alle“ gilt, wenn keine genauere Zeile passt.
        </p>
        <div class="table-wrap">
          <table class="acc-table" data-testid="booking-accounts">
            <caption class="visually-hidden">Kostenstellen und Sachkonten</caption>
            <thead>
              <tr>
                <th scope="col">Rechtskreis</th>
                <th scope="col">Kostenträger</th>
                <th scope="col">Leistungsart</th>
                <th scope="col">Kostenstelle</th>
                <th scope="col">Sachkonto</th>
                <th scope="col">
                  <span class="visually-hidden">Aktion</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((a, i) => {
                const row = `Zeile ${i + 1}`;
                return (
                  <tr key={i}>
                    <td>
                      <select
                        aria-label={`Rechtskreis, ${row}`}
                        value={a.legalBasis}
                        onChange={(e) =>
                          setAccount(i, { legalBasis: e.currentTarget.value as AccountRow['legalBasis'] })
                        }
                      >
                        {LEGAL_BASES.map((code) => (
                          <option key={code} value={code}>
                            {LEGAL_BASIS_NAMES[code].name}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <select
                        aria-label={`Kostenträger, ${row}`}
                        value={a.costBearer}
                        onChange={(e) => setAccount(i, { costBearer: e.currentTarget.value })}
                      >
                        <option value={ANY}>alle</option>
                        {catalogue.costBearers.map((b) => (
                          <option key={b.code} value={b.code}>
                            {b.nameDe}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <select
                        aria-label={`Leistungsart, ${row}`}
                        value={a.benefitType}
                        onChange={(e) =>
                          setAccount(i, { benefitType: e.currentTarget.value as AccountRow['benefitType'] })
                        }
                      >
                        <option value={ANY}>alle</option>
                        {BENEFIT_TYPES.map((code) => (
                          <option key={code} value={code}>
                            {BENEFIT_TYPE_NAMES[code].name}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <input
                        class="acc-cell-input"
                        aria-label={`Kostenstelle, ${row}`}
                        value={a.costCentre}
                        size={9}
                        maxLength={30}
                        onInput={(e) => setAccount(i, { costCentre: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <input
                        class="acc-cell-input"
                        aria-label={`Sachkonto, ${row}`}
                        value={a.account}
                        size={9}
                        maxLength={30}
                        onInput={(e) => setAccount(i, { account: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <Button
                        variant="ghost"
                        onClick={() => setAccounts((rows) => rows.filter((_, j) => j !== i))}
                        aria-label={`${row} entfernen`}
                      >
                        Entfernen
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div class="acc-actions acc-add-row">
          <Button
            variant="secondary"
            onClick={() =>
              setAccounts((rows) => [
                ...rows,
                { legalBasis: 'SGB_II', costBearer: ANY, benefitType: ANY, costCentre: '', account: '' },
              ])
            }
          >
            Zeile hinzufügen
          </Button>
        </div>
      </section>

      {error && (
        <Alert tone="error" title="Nicht gespeichert">
          {error}
        </Alert>
      )}
      <div class="acc-actions">
        <Button busy={busy} onClick={() => void save()}>
          Einstellung speichern
        </Button>
      </div>
    </section>
  );
}
