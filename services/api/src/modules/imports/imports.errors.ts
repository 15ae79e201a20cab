import { defineProblem } from '@tk/core';
import { UnsupportedMediaType } from '../../lib/problems.ts';

export class CsvUnreadable extends defineProblem({ code: 'invalid_csv', status: 400, title: 'CSV not readable' }) {
  constructor(line: number, reason: string) {
    super({ detail: `Die CSV-Datei ist ab Zeile ${line} nicht lesbar (${reason}).`, extensions: { line } });
  }
}

export class MissingColumns extends defineProblem({ code: 'missing_columns', status: 400, title: 'Missing columns' }) {
  constructor(columns: string[]) {
    super({
      detail: `In der Kopfzeile fehlen die Spalten: ${columns.join(', ')}.`,
      extensions: { missingColumns: columns },
    });
  }
}

export class NotCsv extends UnsupportedMediaType {
  constructor() {
    super('Send the file as text/csv.');
  }
}

export class ImportNotFound extends defineProblem({ code: 'import_not_found', status: 404, title: 'Not found' }) {
  constructor(detail = 'The import was not found.') {
    super({ detail });
  }
}

export const importNotFound = () => new ImportNotFound();
