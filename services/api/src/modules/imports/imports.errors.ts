import { Problem } from '@tk/core';

export class CsvUnreadable extends Problem {
  constructor(line: number, reason: string) {
    super({
      status: 400,
      code: 'invalid_csv',
      title: 'CSV not readable',
      detail: `Die CSV-Datei ist ab Zeile ${line} nicht lesbar (${reason}).`,
      extensions: { line },
    });
  }
}

export class MissingColumns extends Problem {
  constructor(columns: string[]) {
    super({
      status: 400,
      code: 'missing_columns',
      title: 'Missing columns',
      detail: `In der Kopfzeile fehlen die Spalten: ${columns.join(', ')}.`,
      extensions: { missingColumns: columns },
    });
  }
}

export class NotCsv extends Problem {
  constructor() {
    super({
      status: 415,
      code: 'unsupported_media_type',
      title: 'Unsupported media type',
      detail: 'Send the file as text/csv.',
    });
  }
}

export const importNotFound = () =>
  new Problem({ status: 404, code: 'import_not_found', title: 'Not found', detail: 'The import was not found.' });
