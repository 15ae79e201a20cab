import type { CivilDate } from '@tk/core';
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
 * - then one item per accepted approval key of this child: `<benefit>|<from>|<to>|<line>|<0/1>`, the
 *   last flag set once the row is accepted for the overlap check (later rows are compared with it).
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
    const data = CONTROL.test(givenName + familyName + birthDate)
      ? UNMATCHABLE
      : [givenName, familyName, birthDate].join(FIELD);
    this.#children.set(caseReference, `s${FIELD}${data}`);
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
    const data = [givenName, familyName, birthDate].join(FIELD);
    const entry = this.#children.get(caseReference);
    if (entry === undefined) {
      this.#children.set(caseReference, `f${line}${FIELD}${data}`);
      return null;
    }
    const head = headOf(entry);
    if (head.slice(head.indexOf(FIELD) + 1) === data) return null;
    return head[0] === 's' ? { stored: true } : { stored: false, line: Number(head.slice(1, head.indexOf(FIELD))) };
  }

  /**
   * Claims an approval key (child, benefit, period) for a line: returns the earlier line with the
   * same key, or undefined (then the key is this line's). Only after `checkChild` accepted the line.
   */
  claimKey(caseReference: string, benefitType: string, validFrom: CivilDate, validTo: CivilDate, line: number) {
    const entry = this.#children.get(caseReference);
    if (entry === undefined) throw new Error('claimKey before checkChild');
    const prefix = `${benefitType}|${validFrom}|${validTo}|`;
    for (const item of itemsOf(entry)) {
      if (item.startsWith(prefix)) return Number(item.slice(prefix.length, item.lastIndexOf('|')));
    }
    this.#children.set(caseReference, `${entry}${ITEM}${prefix}${line}|0`);
    return undefined;
  }

  earlier(caseReference: string, benefitType: string): { line: number; validFrom: CivilDate; validTo: CivilDate }[] {
    const entry = this.#children.get(caseReference);
    if (entry === undefined) return [];
    const out: { line: number; validFrom: CivilDate; validTo: CivilDate }[] = [];
    for (const item of itemsOf(entry)) {
      const [benefit, validFrom, validTo, line, accepted] = item.split('|');
      if (benefit === benefitType && accepted === '1')
        out.push({ line: Number(line), validFrom: validFrom!, validTo: validTo! });
    }
    return out;
  }

  accept(row: OverlapRow): void {
    const entry = this.#children.get(row.caseReference);
    if (entry === undefined) return;
    const item = `${ITEM}${row.benefitType}|${row.validFrom}|${row.validTo}|${row.line}|0`;
    const at = entry.indexOf(item);
    if (at >= 0)
      this.#children.set(row.caseReference, `${entry.slice(0, at + item.length - 1)}1${entry.slice(at + item.length)}`);
  }

  /** Notes that a line of this child is to be written: a new child is counted once. */
  willWrite(caseReference: string): void {
    const entry = this.#children.get(caseReference);
    if (entry?.[0] !== 'f') return;
    this.#children.set(caseReference, `n${entry.slice(1)}`);
    this.#newChildren++;
  }
}

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
