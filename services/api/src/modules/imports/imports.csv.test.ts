import { describe, expect, it } from 'vitest';
import { bufferSource, detectEncoding, streamCsv } from './imports.csv.ts';

const HEADER = 'Aktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Gueltig_ab;Gueltig_bis';

async function names(file: Buffer): Promise<string[]> {
  const source = bufferSource(file);
  const out: string[] = [];
  for await (const row of streamCsv(source, await detectEncoding(source))) out.push(row.values.familyName!);
  return out;
}

// The decoder takes the bytes 32 KiB at a time, whatever the source's chunks (ADR 0038): a character
// of several bytes may be cut by a piece's end and must still come out whole, in both encodings.
describe('streamCsv reads a file in pieces', () => {
  it('keeps a UTF-8 character whole when a piece ends inside it', async () => {
    const head = `\uFEFF${HEADER}\r\nAZ-1;Kind;`;
    // The piece boundary (byte 32768) falls on each byte of ö (2 bytes), € (3) and 𝄞 (4) in turn.
    for (let shift = 0; shift < 9; shift++) {
      const name = `${'x'.repeat(32 * 1024 - Buffer.byteLength(head) - shift)}ö€𝄞`;
      const file = Buffer.from(`${head}${name};01.01.2015;Teilhabe;SGB II;01.08.2026;31.07.2027`, 'utf8');
      expect(await names(file)).toEqual([name]);
    }
  });

  it('gives the same rows as the file decoded in one piece', async () => {
    const rows = [HEADER];
    for (let i = 1; i < 20_000; i++)
      rows.push(`AZ-${i};Kind;Müller-Öztürk €𝄞${i};01.01.2015;Teilhabe;SGB II;01.08.2026;31.07.2027`);
    const got = await names(Buffer.from(rows.join('\n'), 'utf8'));
    expect(got).toEqual(rows.slice(1).map((r) => r.split(';')[2]));
  });

  it('reads Windows-1252 across pieces', async () => {
    const rows = [HEADER];
    for (let i = 1; i < 10_000; i++)
      rows.push(`AZ-${i};Kind;Müller-Öß${i};01.01.2015;Teilhabe;SGB II;01.08.2026;31.07.2027`);
    const got = await names(Buffer.from(rows.join('\n'), 'latin1'));
    expect(got).toEqual(rows.slice(1).map((r) => r.split(';')[2]));
  });
});
