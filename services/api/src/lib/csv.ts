import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | boolean | null;

/** An amount as we write it (`-12,50`, `1234,00`): spreadsheet programs read it as a number, never a formula. */
const AMOUNT = /^-?\d+,\d{2}$/;
/** First characters with which Excel/LibreOffice start a formula (incl. the full-width forms Numbers folds). */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * CSV formula injection (api-v1.md, "CSV"): a text cell that would begin with `=`, `+`, `-`, `@`, tab or
 * carriage return gets a leading `'`, so `=HYPERLINK(…)` as a provider name stays text. Amount cells
 * (numbers, or our decimal-comma amounts) are left as they are. csv-stringify's own `escape_formulas`
 * cannot tell a negative decimal-comma amount from text, so the rule is applied here, in the one writer.
 */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) && !AMOUNT.test(value) ? `'${value}` : value;
}

/** The one CSV writer of the system: header row, `;` by default, CRLF, formula-safe text cells. */
export function toCsv(
  columns: readonly string[],
  records: readonly (readonly CsvCell[])[],
  options: { delimiter?: string; bom?: boolean } = {},
): string {
  return stringify(
    records.map((r) => r.map((cell) => (typeof cell === 'string' ? neutraliseFormula(cell) : cell))),
    {
      header: true,
      columns: columns.map(neutraliseFormula),
      delimiter: options.delimiter ?? ';',
      bom: options.bom ?? true,
      record_delimiter: 'windows',
    },
  );
}
