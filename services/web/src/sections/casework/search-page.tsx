import { useEffect, useState } from 'preact/hooks';
import { linkClick, navigate } from '../../router';
import { Alert, Button, type Column, Field, formatDate, Table } from '../../ui';
import { useLoad } from '../../ui/use-load';
import { BulkPrint } from './bulk-print';
import { BASE, type BeneficiarySummary, childPath, type SearchSort, searchBeneficiaries } from './casework-api';

const SORT_KEYS: readonly SearchSort['key'][] = ['name', 'birthDate', 'caseReference', 'createdAt'];
const isSortKey = (key: string | undefined): key is SearchSort['key'] => SORT_KEYS.includes(key as SearchSort['key']);

/** The order kept from the last visit (`name:asc` when none or unreadable). */
function storedSort(): SearchSort {
  const [key, direction] = (sessionStorage.getItem('tk.casework.sort') ?? '').split(':');
  return { key: isSortKey(key) ? key : 'name', direction: direction === 'desc' ? 'desc' : 'asc' };
}

/** Search children by name or case reference; the landing page of Fallbearbeitung. */
export function SearchPage({ canWrite }: { canWrite: boolean }) {
  const [query, setQuery] = useState(() => sessionStorage.getItem('tk.casework.q') ?? '');
  const [submitted, setSubmitted] = useState(query);
  const [page, setPage] = useState(() => Number(sessionStorage.getItem('tk.casework.page') ?? '1') || 1);
  const [sort, setSort] = useState<SearchSort>(storedSort);
  // Query, page and order survive a visit to a child page and back.
  useEffect(() => {
    sessionStorage.setItem('tk.casework.page', String(page));
    sessionStorage.setItem('tk.casework.sort', `${sort.key}:${sort.direction}`);
  }, [page, sort.key, sort.direction]);
  const {
    data: result,
    error,
    loading,
  } = useLoad(
    // The count names the search these rows answer, not the one typed since (a slow answer).
    async (signal) => ({ ...(await searchBeneficiaries(submitted, page, sort, signal)), q: submitted }),
    [submitted, page, sort.key, sort.direction],
  );

  function changeSort(key: string) {
    if (!isSortKey(key)) return;
    setSort((s) => ({ key, direction: s.key === key && s.direction === 'asc' ? 'desc' : 'asc' }));
  }

  function submit(event: Event) {
    event.preventDefault();
    const q = query.trim();
    sessionStorage.setItem('tk.casework.q', q);
    setPage(1);
    setSubmitted(q);
  }

  // Cards chosen for a bulk print, by card id (kept across pages and searches until printed or cleared).
  const [selected, setSelected] = useState<Map<string, string>>(() => new Map());
  const toggle = (b: BeneficiarySummary, on: boolean) =>
    setSelected((current) => {
      const next = new Map(current);
      if (b.activeCardId && on) next.set(b.activeCardId, `${b.familyName}, ${b.givenName}`);
      else if (b.activeCardId) next.delete(b.activeCardId);
      return next;
    });
  const withCard = result?.items.filter((b) => b.activeCardId) ?? [];
  const allOnPage = withCard.length > 0 && withCard.every((b) => selected.has(b.activeCardId!));

  const selectColumn: Column<BeneficiarySummary> = {
    header: 'Auswahl',
    cell: (b) =>
      b.activeCardId ? (
        <input
          type="checkbox"
          class="row-check"
          checked={selected.has(b.activeCardId)}
          aria-label={`Karte von ${b.givenName} ${b.familyName} zum Drucken auswählen`}
          onChange={(e) => toggle(b, e.currentTarget.checked)}
        />
      ) : null,
  };
  const columns: Column<BeneficiarySummary>[] = [
    ...(canWrite ? [selectColumn] : []),
    {
      header: 'Name',
      sortKey: 'name',
      cell: (b) => (
        <a href={childPath(b.id)} onClick={linkClick}>
          {b.familyName}, {b.givenName}
        </a>
      ),
    },
    { header: 'Geburtsdatum', sortKey: 'birthDate', cell: (b) => (b.birthDate ? formatDate(b.birthDate) : '–') },
    { header: 'Aktenzeichen', sortKey: 'caseReference', cell: (b) => b.caseReference },
    {
      header: 'Karte',
      cell: (b) =>
        b.activeCardId ? <span class="status status-ok">aktiv</span> : <span class="status status-neutral">keine</span>,
    },
  ];

  const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;
  return (
    <section aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title">Fallbearbeitung</h1>
        {canWrite && (
          <div class="row">
            <Button variant="secondary" onClick={() => navigate(`${BASE}/import`)}>
              CSV importieren
            </Button>
            <Button onClick={() => navigate(`${BASE}/neu`)}>Kind anlegen</Button>
          </div>
        )}
      </div>
      <form class="card search-form" onSubmit={submit} aria-label="Kinder suchen">
        <Field
          label="Name oder Aktenzeichen"
          name="q"
          type="search"
          autocomplete="off"
          hint="„Schneider, Mia“, „Mia Schneider“ oder ein Teil davon, Anfang des Aktenzeichens oder Kartennummer"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <Button type="submit" busy={loading}>
          Suchen
        </Button>
      </form>
      {error && <Alert tone="error">{error}</Alert>}
      {result && (
        <div class="card">
          <p class="muted" aria-live="polite" data-testid="search-count">
            {result.total === 1 ? '1 Kind gefunden' : `${result.total} Kinder gefunden`}
            {result.q ? ` für „${result.q}“` : ''}
          </p>
          {canWrite && (
            <fieldset class="selection-bar">
              <legend>Karten drucken</legend>
              <div class="row">
                <label>
                  <input
                    type="checkbox"
                    checked={allOnPage}
                    disabled={withCard.length === 0}
                    onChange={(e) => {
                      for (const b of withCard) toggle(b, e.currentTarget.checked);
                    }}
                  />{' '}
                  Alle Karten dieser Seite auswählen
                </label>
                <span data-testid="selection-count" aria-live="polite">
                  {selected.size === 1 ? '1 Karte ausgewählt' : `${selected.size} Karten ausgewählt`}
                </span>
                {selected.size > 0 && (
                  <Button variant="ghost" onClick={() => setSelected(new Map())}>
                    Auswahl aufheben
                  </Button>
                )}
              </div>
              {selected.size > 0 && (
                <BulkPrint selection={{ cardIds: [...selected.keys()] }} count={selected.size} idPrefix="search" />
              )}
            </fieldset>
          )}
          <Table
            caption="Suchergebnis"
            columns={columns}
            rows={result.items}
            rowKey={(b) => b.id}
            sort={sort}
            onSort={changeSort}
            empty="Kein Kind gefunden. Bitte Schreibweise oder Aktenzeichen prüfen."
          />
          {pages > 1 && (
            <div class="row" style={{ marginTop: '0.75rem' }}>
              <Button variant="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                Zurück
              </Button>
              <span>
                Seite {page} von {pages}
              </span>
              <Button variant="secondary" disabled={page >= pages} onClick={() => setPage(page + 1)}>
                Weiter
              </Button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
