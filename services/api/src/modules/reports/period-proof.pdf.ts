import { formatCents, formatGermanDate, type PeriodProofPayload } from '@tk/core';
import PDFDocument from 'pdfkit';

// Standard PDF fonts (WinAnsi): no U+2212 minus sign, so subtractions are written with an en dash.
const LEGAL_BASIS_LABELS: Record<string, string> = {
  SGB_II: 'SGB II',
  SGB_XII_3: 'SGB XII (3. Kapitel)',
  SGB_XII_4: 'SGB XII (4. Kapitel)',
  BKGG_KIZ: 'BKGG (Kinderzuschlag)',
  BKGG_WOGG: 'BKGG (Wohngeld)',
  ASYLBLG: 'AsylbLG',
};

/**
 * The period proof as a German PDF for the audit office (*Rechnungsprüfungsamt*): the same figures as
 * the signed JSON, the identity spelled out, the audit chain head, and the JWS to check it against.
 */
export function renderPeriodProofPdf(payload: PeriodProofPayload, jws: string, kid: string): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Periodennachweis ${payload.from} bis ${payload.to}`, Subject: 'Teilhabekarte' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(16).text('Periodennachweis Bildung und Teilhabe (Teilhabekarte)');
  doc
    .font('Helvetica')
    .fontSize(10)
    .text(`Zeitraum: ${formatGermanDate(payload.from)} bis ${formatGermanDate(payload.to)}`);
  doc.text(`Erstellt: ${new Date(payload.generatedAt).toLocaleString('de-DE', { timeZone: 'Europe/Berlin' })}`);
  doc.moveDown();

  const row = (label: string, cents: number, bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').text(label, 50, y);
    doc.text(formatCents(cents), 345, y, { width: 200, align: 'right' });
    doc.x = 50;
  };
  doc.font('Helvetica-Bold').text('Budgets (aus den Einzelbuchungen neu berechnet)');
  doc.moveDown(0.3);
  row('Restbudget zu Beginn', payload.openingRemainingCents);
  row('+ bewilligt', payload.approvedCents);
  row('– gebucht', payload.bookedCents);
  row('+ storniert', payload.reversedCents);
  row('– verfallen', payload.lapsedCents);
  row('= Restbudget am Ende', payload.closingRemainingCents, true);
  doc.moveDown(0.5);
  row('Abgerechnet (Abrechnungen des Zeitraums)', payload.settledCents);
  row('Bezahlt (nach Valutadatum)', payload.paidCents);
  doc.moveDown();

  doc.font('Helvetica-Bold').text('Nach Rechtskreis und Kostenträger');
  doc.moveDown(0.3);
  const cols = [50, 190, 255, 320, 385, 450];
  const header = ['Rechtskreis / Kostenträger', 'Beginn', 'bewilligt', 'gebucht', 'storniert', 'Ende'];
  doc.fontSize(8);
  let y = doc.y;
  header.forEach((h, i) => {
    doc.text(h, cols[i]!, y, i === 0 ? { width: 140 } : { width: 60, align: 'right' });
  });
  doc.font('Helvetica');
  for (const r of payload.byLegalBasis) {
    if (doc.y > 740) doc.addPage();
    y = doc.y + 2;
    const cells = [
      `${LEGAL_BASIS_LABELS[r.legalBasis] ?? r.legalBasis} / ${r.costBearer ?? '–'}`,
      formatCents(r.openingRemainingCents),
      formatCents(r.approvedCents),
      formatCents(r.bookedCents),
      formatCents(r.reversedCents),
      formatCents(r.closingRemainingCents),
    ];
    cells.forEach((c, i) => {
      doc.text(c, cols[i]!, y, i === 0 ? { width: 140 } : { width: 60, align: 'right' });
    });
    y = doc.y;
    doc.text(
      `verfallen ${formatCents(r.lapsedCents)} · abgerechnet ${formatCents(r.settledCents)} · bezahlt ${formatCents(r.paidCents)}`,
      cols[0]! + 10,
      y,
    );
  }
  doc.x = 50;
  doc.moveDown();
  doc.fontSize(10).font('Helvetica-Bold').text('Revisionssicherheit');
  doc
    .font('Helvetica')
    .fontSize(9)
    .text(
      `Prüfprotokoll (Hash-Kette): Eintrag ${payload.auditChainHead.chainSeq}, Hash ${payload.auditChainHead.hash}`,
    );
  doc.text(
    `Elektronisch signiert (EdDSA, Schlüssel ${kid}). Prüfung: die JSON-Fassung mit „pnpm proof verify <Datei>“ und dem öffentlichen Schlüssel aus /.well-known/jwks.json.`,
  );
  doc.moveDown(0.5);
  doc.font('Courier').fontSize(6).text(jws, { width: 495 });
  doc.end();
  return done;
}
