import type { ComponentChildren } from 'preact';

export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  /** Right-aligned, tabular figures (amounts). */
  numeric?: boolean;
  /** The column can sort the rows: the key passed to `onSort`. */
  sortKey?: string;
}

export interface TableSort {
  key: string;
  direction: 'asc' | 'desc';
}

export interface TableProps<T> {
  caption: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** An element id per row, e.g. the target of a link to it (the row can then take focus). */
  rowId?: (row: T) => string;
  empty?: string;
  /** The current order, for columns with a `sortKey`; a click on their header calls `onSort`. */
  sort?: TableSort;
  onSort?: (key: string) => void;
}

/** A plain, accessible data table with a caption; scrolls sideways on narrow screens. */
export function Table<T>({
  caption,
  columns,
  rows,
  rowKey,
  rowId,
  empty = 'Keine Einträge.',
  sort,
  onSort,
}: TableProps<T>) {
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.header}
                scope="col"
                class={c.numeric ? 'num' : undefined}
                aria-sort={
                  c.sortKey && sort?.key === c.sortKey
                    ? sort.direction === 'asc'
                      ? 'ascending'
                      : 'descending'
                    : undefined
                }
              >
                {c.sortKey && onSort ? (
                  <button type="button" class="sort-button" onClick={() => onSort(c.sortKey!)}>
                    {c.header}
                    <span aria-hidden="true">
                      {sort?.key === c.sortKey ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ' ↕'}
                    </span>
                  </button>
                ) : (
                  c.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} class="empty">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={rowKey(row)} {...(rowId ? { id: rowId(row), tabIndex: -1 } : {})}>
                {columns.map((c) => (
                  <td key={c.header} class={c.numeric ? 'num' : undefined}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
