import { formatCardNumber } from '@tk/core';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

/**
 * Rendering of the card: the QR of the signed token (SVG/PNG via `qrcode`) and the printable card
 * (PDF via `pdfkit`) in ID-1 format, 85.60 × 53.98 mm. The design is neutral on purpose: the city's
 * name, the holder's name, the number and the QR; no word that reveals what the card is for.
 */
const MM = 72 / 25.4;
export const ID1_WIDTH_PT = 85.6 * MM;
export const ID1_HEIGHT_PT = 53.98 * MM;
const A4 = { width: 595.28, height: 841.89 };
export const CARDS_PER_SHEET = 10;

/** ECC level M: a ~180-character token fits a version-9 symbol that phone cameras read well. */
const QR_OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 2 };

export function qrSvg(token: string): Promise<string> {
  return QRCode.toString(token, { ...QR_OPTIONS, type: 'svg' });
}

export function qrPng(token: string, scale = 6): Promise<Buffer> {
  return QRCode.toBuffer(token, { ...QR_OPTIONS, type: 'png', scale });
}

export interface PrintableCard {
  cardNumber: string;
  qrToken: string;
  givenName: string;
  familyName: string;
}

// The PDF standard fonts speak WinAnsi (Latin-1 plus a few): other letters lose their accents
// (Ş → S), the rest becomes '?', rather than printing garbage.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 256 || WIN_ANSI_EXTRA.has(ch)) {
      out += ch;
      continue;
    }
    const plain = ch.normalize('NFD').replace(/\p{M}/gu, '');
    out += [...plain].every((c) => c.codePointAt(0)! < 256) ? plain : '?';
  }
  return out;
}

function drawCard(doc: PDFKit.PDFDocument, x: number, y: number, card: PrintableCard, cityName: string): void {
  const w = ID1_WIDTH_PT;
  const h = ID1_HEIGHT_PT;
  const pad = 10;
  doc.save();
  // Cut line with the ID-1 corner radius (3.18 mm).
  doc
    .roundedRect(x, y, w, h, 3.18 * MM)
    .lineWidth(0.5)
    .strokeColor('#9aa5b1')
    .stroke();
  // Header band with the city's name and a logo placeholder.
  const band = 30;
  doc
    .save()
    .roundedRect(x, y, w, h, 3.18 * MM)
    .clip();
  doc.rect(x, y, w, band).fill('#1f5f8b');
  doc.restore();
  doc
    .fillColor('#ffffff')
    .font('Helvetica-Bold')
    .fontSize(10)
    .text(printable(cityName), x + pad, y + 10, { width: w - 2 * pad - 28, lineBreak: false, ellipsis: true });
  doc
    .circle(x + w - pad - 10, y + band / 2, 10)
    .lineWidth(1)
    .strokeColor('#ffffff')
    .stroke();
  doc
    .fontSize(5)
    .font('Helvetica')
    .text('LOGO', x + w - pad - 20, y + band / 2 - 2.5, { width: 20, align: 'center' });

  // QR code, drawn as vector modules so it prints sharply at any size.
  const qr = QRCode.create(card.qrToken, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const quiet = 2;
  const qrSide = h - band - 2 * 6;
  const cell = qrSide / (size + 2 * quiet);
  const qx = x + w - pad - qrSide + 4;
  const qy = y + band + 6;
  doc.rect(qx, qy, qrSide, qrSide).fill('#ffffff');
  doc.fillColor('#000000');
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (qr.modules.get(row, col)) doc.rect(qx + (col + quiet) * cell, qy + (row + quiet) * cell, cell, cell);
    }
  }
  doc.fill('#000000');

  // Holder and number on the left.
  const textWidth = qx - x - pad - 4;
  doc
    .fillColor('#1d2733')
    .font('Helvetica-Bold')
    .fontSize(10)
    .text(printable(card.givenName), x + pad, y + band + 14, { width: textWidth, lineBreak: false, ellipsis: true });
  doc.text(printable(card.familyName), x + pad, y + band + 27, { width: textWidth, lineBreak: false, ellipsis: true });
  doc
    .font('Helvetica')
    .fontSize(6)
    .fillColor('#52606d')
    .text('Kartennummer', x + pad, y + h - 36, { width: textWidth });
  doc
    .font('Courier-Bold')
    .fontSize(9.5)
    .fillColor('#1d2733')
    .text(formatCardNumber(card.cardNumber), x + pad, y + h - 27, { width: textWidth + 6, lineBreak: false });
  doc.restore();
}

/** The document's bytes once `doc.end()` has been called. */
function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

const INFO = { Title: 'Karte', Creator: 'Teilhabekarte' };

/** One card on a page of exactly ID-1 size (for card printers). */
export function cardPdf(card: PrintableCard, cityName: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: [ID1_WIDTH_PT, ID1_HEIGHT_PT], margin: 0, info: INFO, autoFirstPage: true });
  const done = collect(doc);
  drawCard(doc, 0, 0, card, cityName);
  doc.end();
  return done;
}

/** Many cards on A4 sheets, two columns by five rows (10 per page), with cut lines. */
export function sheetPdf(list: PrintableCard[], cityName: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 0, info: INFO, autoFirstPage: false });
  const done = collect(doc);
  const gapX = 10;
  const gapY = 8;
  const left = (A4.width - (2 * ID1_WIDTH_PT + gapX)) / 2;
  const top = (A4.height - (5 * ID1_HEIGHT_PT + 4 * gapY)) / 2;
  list.forEach((card, i) => {
    const slot = i % CARDS_PER_SHEET;
    if (slot === 0) doc.addPage({ size: 'A4', margin: 0 });
    const col = slot % 2;
    const row = Math.floor(slot / 2);
    drawCard(doc, left + col * (ID1_WIDTH_PT + gapX), top + row * (ID1_HEIGHT_PT + gapY), card, cityName);
  });
  doc.end();
  return done;
}
