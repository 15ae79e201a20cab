import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Problem } from '@tk/core';
import { describe, expect, it } from 'vitest';
import { amountToCents, parseCamt } from '../src/modules/settlement/bank-statements.camt.ts';
import { camtFixtures } from './fixtures/camt/fixtures.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/camt');
const fixture = (name: string) => readFileSync(path.join(dir, name), 'utf8');

function refusal(xml: string): string {
  try {
    parseCamt(xml);
  } catch (err) {
    if (err instanceof Problem && err.code === 'invalid_bank_statement') return err.detail ?? '';
    throw err;
  }
  throw new Error('parsed a document that should have been refused');
}

describe('camt fixtures', () => {
  it('the kept fixtures are what the generator writes from the system’s own pain.001', () => {
    for (const [name, xml] of Object.entries(camtFixtures())) expect(fixture(name), name).toBe(xml);
  });
});

describe('parseCamt', () => {
  it('reads a camt.054.001.08: message id, booked debits with EndToEndId, amount in cents and value date', () => {
    const doc = parseCamt(fixture('camt.054.001.08.xml'));
    expect(doc.format).toBe('camt.054.001.08');
    expect(doc.messageId).toBe('CAMT054-20261123-0001');
    expect(doc.transactions).toEqual([
      expect.objectContaining({
        direction: 'debit',
        endToEndId: 'ABR-2026-000001',
        amountCents: 4255,
        valueDate: '2026-11-23',
        returnReason: null,
      }),
      expect.objectContaining({ direction: 'debit', endToEndId: 'ABR-2026-000002', amountCents: 9999 }),
      expect.objectContaining({ direction: 'debit', endToEndId: 'FREMD-4711', amountCents: 1234 }),
    ]);
    expect(new Set(doc.transactions.map((t) => t.entryRef)).size).toBe(3);
  });

  it('reads returns (credit with return reason), camt.053.001.08 and camt.054.001.02', () => {
    const returned = parseCamt(fixture('camt.054.001.08-return.xml')).transactions.at(-1);
    expect(returned).toMatchObject({
      direction: 'credit',
      endToEndId: 'ABR-2026-000002',
      returnReason: 'AC04',
      amountCents: 9999,
    });
    const statement = parseCamt(fixture('camt.053.001.08.xml'));
    expect(statement.format).toBe('camt.053.001.08');
    expect(statement.transactions.map((t) => t.amountCents)).toEqual([4255, 9900]);
    const v2 = parseCamt(fixture('camt.054.001.02.xml'));
    expect(v2.format).toBe('camt.054.001.02');
    expect(v2.transactions.map((t) => t.endToEndId)).toEqual(['ABR-2026-000001', 'ABR-2026-000002']);
  });

  it('pending entries are not money yet and are skipped', () => {
    const xml = fixture('camt.054.001.08.xml').replace('<Sts><Cd>BOOK</Cd></Sts>', '<Sts><Cd>PDNG</Cd></Sts>');
    expect(parseCamt(xml).transactions.map((t) => t.endToEndId)).toEqual(['ABR-2026-000002', 'FREMD-4711']);
  });

  it('refuses what is not a camt.053/054 document with a German reason', () => {
    expect(refusal('')).toContain('leer');
    expect(refusal('Betrag;Datum\n1,00;2026-11-23')).toContain('kein gültiges XML');
    expect(refusal('<Document><unclosed></Document>')).toContain('kein gültiges XML');
    expect(refusal(fixture('pain.001.001.09.xml'))).toContain('camt.054.001.08');
    expect(refusal(fixture('camt.054.001.08.xml').replace('camt.054.001.08', 'camt.054.001.04'))).toContain(
      'camt.053.001.08',
    );
    expect(refusal(fixture('camt.054.001.08.xml').replace(/<MsgId>CAMT[^<]*<\/MsgId>/, ''))).toContain('MsgId');
    expect(refusal(fixture('camt.054.001.08.xml').replace('>42.55<', '>42,55<'))).toContain('Betrag');
  });

  it('never expands entities: a document type declaration is refused outright', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>${fixture(
      'camt.054.001.08.xml',
    )
      .replace(/^<\?xml[^>]*>\s*/, '')
      .replace('CAMT054-20261123-0001</MsgId>', '&b;</MsgId>')}`;
    expect(refusal(bomb)).toContain('Dokumenttyp');
    const external = `<?xml version="1.0"?><!DOCTYPE d SYSTEM "file:///etc/passwd"><Document/>`;
    expect(refusal(external)).toContain('Dokumenttyp');
  });

  it('amounts convert to cents without floating point', () => {
    expect(amountToCents('0.1')).toBe(10);
    expect(amountToCents('1234567.89')).toBe(123456789);
    expect(amountToCents('5')).toBe(500);
    expect(amountToCents('-1.00')).toBeNull();
    expect(amountToCents('1.234')).toBeNull();
  });
});
