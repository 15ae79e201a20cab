import { type CivilDate, mayNotOverlap, periodsOverlap } from '@tk/core';
import { type DbOrTx, queryRows } from '@tk/db';
import { sql } from 'drizzle-orm';
import { COLUMNS } from './imports.csv.ts';

/** What the overlap check needs of a valid import row. */
export interface OverlapRow {
  line: number;
  caseReference: string;
  benefitType: string;
  validFrom: CivilDate;
  validTo: CivilDate;
}

/** The rows of the file accepted so far that later rows are compared with (kept by the caller). */
export interface AcceptedPeriods {
  /** The accepted periods of this child and benefit type, earliest line first. */
  earlier(caseReference: string, benefitType: string): { line: number; validFrom: CivilDate; validTo: CivilDate }[];
  accept(row: OverlapRow): void;
}

/** Accepted rows in a map, for one batch of rows checked on its own. */
function acceptedInMemory(): AcceptedPeriods {
  const byKey = new Map<string, { line: number; validFrom: CivilDate; validTo: CivilDate }[]>();
  return {
    earlier: (caseReference, benefitType) => byKey.get(`${caseReference}|${benefitType}`) ?? [],
    accept: (r) => {
      const key = `${r.caseReference}|${r.benefitType}`;
      byKey.set(key, [...(byKey.get(key) ?? []), { line: r.line, validFrom: r.validFrom, validTo: r.validTo }]);
    },
  };
}

const formatDate = (d: CivilDate) => `${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)}`;

/**
 * The import's half of `approval_overlaps`: rows whose single-budget approval overlaps an approval of
 * the same child already stored, or an earlier row of the same file. Returns one German report line
 * per refused row (the exclusion constraint `approvals_no_overlap` stays the last word when writing).
 */
export async function findImportOverlaps(
  db: DbOrTx,
  rows: OverlapRow[],
  /** The accepted rows of the file so far, when it is checked batch by batch (updated in place). */
  accepted: AcceptedPeriods = acceptedInMemory(),
): Promise<Map<number, { line: number; field: string; message: string }>> {
  const refused = new Map<number, { line: number; field: string; message: string }>();
  const candidates = rows.filter((r) => mayNotOverlap(r.benefitType));
  if (candidates.length === 0) return refused;
  const stored = await queryRows<{ line: number; valid_from: string; valid_to: string }>(
    db,
    sql`select x.line, a.valid_from, a.valid_to
        from jsonb_to_recordset(${JSON.stringify(
          candidates.map((r) => ({
            line: r.line,
            case_reference: r.caseReference,
            benefit_type: r.benefitType,
            valid_from: r.validFrom,
            valid_to: r.validTo,
          })),
        )}::jsonb) as x(line int, case_reference text, benefit_type text, valid_from date, valid_to date)
        join beneficiaries b on b.case_reference = x.case_reference
        join approvals a on a.beneficiary_id = b.id and a.benefit_type = x.benefit_type
          and daterange(a.valid_from, least(a.valid_to + 1, coalesce(a.revoked_from, a.valid_to + 1)), '[)')
              && daterange(x.valid_from, x.valid_to, '[]')`,
  );
  for (const s of stored) {
    refused.set(s.line, {
      line: s.line,
      field: COLUMNS.validFrom,
      message: `Überschneidet sich mit einer erfassten Bewilligung derselben Leistungsart (${formatDate(s.valid_from)}–${formatDate(s.valid_to)}); bitte diese ändern oder aufheben.`,
    });
  }
  for (const r of candidates) {
    if (refused.has(r.line)) continue;
    const clash = accepted.earlier(r.caseReference, r.benefitType).find((e) => periodsOverlap(e, r));
    if (clash) {
      refused.set(r.line, {
        line: r.line,
        field: COLUMNS.validFrom,
        message: `Überschneidet sich mit Zeile ${clash.line} (gleiches Aktenzeichen, gleiche Leistungsart).`,
      });
      continue;
    }
    accepted.accept(r);
  }
  return refused;
}
