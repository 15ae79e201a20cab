import type { CivilDate } from '@tk/core';
import { IMPORT_BENEFIT_VALUES } from './imports.csv.ts';
import type { AcceptedPeriods, OverlapRow } from './imports.overlaps.ts';

/** What a check of the child's master data found against the stored child or an earlier line. */
export type ChildClash = { stored: true } | { stored: false; line: number };

// Separators inside an entry. The validation refuses control characters in the fields a row brings
// along (names), so a row's text never contains them; dates, benefit types and numbers never do.
const FIELD = '\u001f';
const ITEM = '\u001e';
// A stored child whose master data holds a control character can match no row: kept as this.
const UNMATCHABLE = '\u0000';
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f]/;

/**
 * What the check of one file remembers across its rows (read in batches), kept compact so that a file
 * of 400,000 lines fits in a small process (issue 15; objects per line cost about 1 KB each before):
 * one string per case reference, in one map. The string is
 *
 * - a head, whose master data the child's later lines must match: `s` (a stored child), `f<line>`
 *   (a new child, first line of the file with it) or `n<line>` (the same once one of its lines is to
 *   be written: counted as a child to create), then given name, family name and birth date;
 * - then one item per accepted approval key of this child: one letter for the benefit type, the two
 *   dates without dashes (`YYYYMMDD`), the line and a flag `0`/`1`, set once the row is accepted for
 *   the overlap check (later rows are compared with it).
 *
 * Line numbers are written in base 36. Every string stored is built in one piece (`join`), so the map
 * holds flat strings: a concatenation or a slice would keep a tree of pieces or its whole parent alive
 * (about 90 bytes more per child, measured at 400,000 children; ADR 0038).
 *
 * Lines of the file that are to be written are kept apart, in a `LineSet`.
 */
export class FileState implements AcceptedPeriods {
  readonly #children = new Map<string, string>();
  #newChildren = 0;

  /** Children to create: references with a line to write and no stored child. */
  get newChildren(): number {
    return this.#newChildren;
  }

  /** Whether the reference has been met (its stored child, if any, already looked up and noted). */
  knows(caseReference: string): boolean {
    return this.#children.has(caseReference);
  }

  /** Notes the stored child of a reference (looked up in the database when the reference is first met). */
  setStored(caseReference: string, givenName: string, familyName: string, birthDate: string): void {
    const entry = CONTROL.test(givenName + familyName + birthDate)
      ? ['s', UNMATCHABLE].join(FIELD)
      : ['s', givenName, familyName, birthDate].join(FIELD);
    this.#children.set(caseReference, entry);
  }

  /**
   * Checks a line's master data against the stored child, else against the first line with the
   * reference (remembered here when there is none yet). Returns what it clashes with, or null.
   */
  checkChild(
    caseReference: string,
    line: number,
    givenName: string,
    familyName: string,
    birthDate: string,
  ): ChildClash | null {
    const entry = this.#children.get(caseReference);
    if (entry === undefined) {
      this.#children.set(caseReference, [`f${line.toString(36)}`, givenName, familyName, birthDate].join(FIELD));
      return null;
    }
    const head = headOf(entry);
    const marker = head.indexOf(FIELD);
    if (head.slice(marker + 1) === [givenName, familyName, birthDate].join(FIELD)) return null;
    return head[0] === 's' ? { stored: true } : { stored: false, line: Number.parseInt(head.slice(1, marker), 36) };
  }

  /**
   * Claims an approval key (child, benefit, period) for a line: returns the earlier line with the
   * same key, or undefined (then the key is this line's). Only after `checkChild` accepted the line.
   */
  claimKey(caseReference: string, benefitType: string, validFrom: CivilDate, validTo: CivilDate, line: number) {
    const entry = this.#children.get(caseReference);
    if (entry === undefined) throw new Error('claimKey before checkChild');
    const key = keyOf(benefitType, validFrom, validTo);
    for (const item of itemsOf(entry)) {
      if (item.startsWith(key)) return Number.parseInt(item.slice(KEY_LENGTH, -1), 36);
    }
    this.#children.set(caseReference, [entry, ITEM, key, line.toString(36), '0'].join(''));
    return undefined;
  }

  earlier(caseReference: string, benefitType: string): { line: number; validFrom: CivilDate; validTo: CivilDate }[] {
    const entry = this.#children.get(caseReference);
    if (entry === undefined) return [];
    const code = BENEFIT_CODE.get(benefitType);
    const out: { line: number; validFrom: CivilDate; validTo: CivilDate }[] = [];
    for (const item of itemsOf(entry)) {
      if (item[0] === code && item.at(-1) === '1')
        out.push({
          line: Number.parseInt(item.slice(KEY_LENGTH, -1), 36),
          validFrom: dateOf(item.slice(1, 9)),
          validTo: dateOf(item.slice(9, 17)),
        });
    }
    return out;
  }

  accept(row: OverlapRow): void {
    const entry = this.#children.get(row.caseReference);
    if (entry === undefined) return;
    const item = [ITEM, keyOf(row.benefitType, row.validFrom, row.validTo), row.line.toString(36), '0'].join('');
    const at = entry.indexOf(item);
    // The item is the last of its key, or followed by the next item: never a prefix of a longer line.
    if (at >= 0 && (at + item.length === entry.length || entry[at + item.length] === ITEM)) {
      const flag = at + item.length - 1;
      this.#children.set(row.caseReference, [entry.slice(0, flag), '1', entry.slice(flag + 1)].join(''));
    }
  }

  /** Notes that a line of this child is to be written: a new child is counted once. */
  willWrite(caseReference: string): void {
    const entry = this.#children.get(caseReference);
    if (entry?.[0] !== 'f') return;
    this.#children.set(caseReference, ['n', entry.slice(1)].join(''));
    this.#newChildren++;
  }
}

/** One letter per benefit type in the state's items (the import's benefit types, ADR 0009). */
const BENEFIT_CODE = new Map(Object.keys(IMPORT_BENEFIT_VALUES).map((type, i) => [type, String.fromCharCode(97 + i)]));
/** Benefit letter and both dates (`YYYYMMDD`): the part of an item before its line. */
const KEY_LENGTH = 17;

function keyOf(benefitType: string, validFrom: CivilDate, validTo: CivilDate): string {
  const code = BENEFIT_CODE.get(benefitType);
  if (code === undefined) throw new Error(`not an import benefit type: ${benefitType}`);
  return [code, validFrom.replaceAll('-', ''), validTo.replaceAll('-', '')].join('');
}

const dateOf = (compact: string): CivilDate => `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;

function headOf(entry: string): string {
  const end = entry.indexOf(ITEM);
  return end < 0 ? entry : entry.slice(0, end);
}

function itemsOf(entry: string): string[] {
  const start = entry.indexOf(ITEM);
  return start < 0 ? [] : entry.slice(start + 1).split(ITEM);
}

/** A set of line numbers as a bit set (a file's lines to write: one bit per line, not a set entry). */
export class LineSet {
  #bits = new Uint8Array(1 << 12);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(line: number): void {
    const byte = line >> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const mask = 1 << (line & 7);
    if ((this.#bits[byte]! & mask) === 0) {
      this.#bits[byte]! |= mask;
      this.#size++;
    }
  }

  has(line: number): boolean {
    const byte = line >> 3;
    return byte < this.#bits.length && (this.#bits[byte]! & (1 << (line & 7))) !== 0;
  }
}
