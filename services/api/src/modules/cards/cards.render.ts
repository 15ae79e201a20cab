import { formatCardNumber } from '@tk/core';
import QRCode from 'qrcode';
import { createPdf, drawImage, drawQr, drawText, fitImage } from '../../lib/pdf.ts';

/**
 * Rendering of the card: the QR of the signed token (SVG/PNG via `qrcode`) and the printable card
 * (PDF via `pdfkit`) in ID-1 format, 85.60 × 53.98 mm. The design is neutral on purpose: the city's
 * name, a neutral title, the holder's name (any script, embedded fonts), the number, the QR and what to
 * do when the card is found or lost; no word that reveals what the card is for.
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

/**
 * Who issues the card: the city's name, the card's neutral title (a setting: it says whose card it is,
 * not which benefit it carries, no "BuT") and the logo (the PNG the PDFs embed; null = the initial).
 */
export interface CardBrand {
  cityName: string;
  title: string;
  logo: Buffer | null;
}

/**
 * Draws one card with its top left corner at (x, y). The one drawing of the card: the single card, the
 * A4 sheet, the ID-1 print run and the card letter's cut-out card all call it.
 */
export function drawCard(doc: PDFKit.PDFDocument, x: number, y: number, card: PrintableCard, brand: CardBrand): void {
  const { cityName } = brand;
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
  // Header band with the city's name and its logo (on a white field, so any logo colours work), or
  // the city's initial in a frame when no logo was uploaded.
  const band = 30;
  doc
    .save()
    .roundedRect(x, y, w, h, 3.18 * MM)
    .clip();
  doc.rect(x, y, w, band).fill('#1f5f8b');
  doc.restore();
  let markX: number;
  if (brand.logo) {
    const inset = 2.5;
    const size = fitImage(doc, brand.logo, { width: 64 - 2 * inset, height: band - 6 - 2 * inset });
    const field = { width: size.width + 2 * inset, height: size.height + 2 * inset };
    markX = x + w - 6 - field.width;
    const fieldY = y + (band - field.height) / 2;
    doc.roundedRect(markX, fieldY, field.width, field.height, 2).fill('#ffffff');
    drawImage(doc, brand.logo, markX + inset, fieldY + inset, size);
  } else {
    const mark = 18;
    markX = x + w - pad - mark;
    doc
      .roundedRect(markX, y + (band - mark) / 2, mark, mark, 4)
      .lineWidth(1.2)
      .strokeColor('#ffffff')
      .stroke();
    drawText(doc, [...cityName.trim()][0]?.toUpperCase() ?? '', markX, y + (band - mark) / 2 + 3.5, mark, {
      size: 9,
      bold: true,
      color: '#ffffff',
      align: 'center',
      maxLines: 1,
    });
  }
  const header = { width: markX - x - 2 * pad, color: '#ffffff', maxLines: 1 } as const;
  drawText(doc, `Stadt ${cityName}`, x + pad, y + 5, header.width, { ...header, size: 9.5, bold: true, align: 'left' });
  drawText(doc, brand.title, x + pad, y + 17, header.width, { ...header, size: 6.5, align: 'left' });

  const hintHeight = 13;
  const qrSide = h - band - hintHeight - 4;
  const qx = x + w - pad - qrSide + 4;
  drawQr(doc, card.qrToken, qx, y + band + 2, qrSide);

  // Holder and number on the left; names in any script, each on one line.
  const textWidth = qx - x - pad - 4;
  const name = { size: 10, bold: true, maxLines: 1, align: 'left' } as const;
  drawText(doc, card.givenName, x + pad, y + band + 10, textWidth, name);
  drawText(doc, card.familyName, x + pad, y + band + 23, textWidth, name);
  drawText(doc, 'Kartennummer', x + pad, y + h - hintHeight - 27, textWidth, { size: 6, color: '#52606d' });
  drawText(doc, formatCardNumber(card.cardNumber), x + pad, y + h - hintHeight - 19, textWidth + 8, {
    size: 8.5,
    bold: true,
    maxLines: 1,
  });
  // What to do with a found or lost card, across the bottom.
  drawText(
    doc,
    `Gefunden? Bitte bei der Stadt ${cityName} abgeben. Verloren? Bitte sofort sperren lassen.`,
    x + pad,
    y + h - hintHeight + 1,
    w - 2 * pad,
    { size: 4.6, color: '#52606d', lineGap: -0.5 },
  );
  doc.restore();
}

const INFO = { Title: 'Karte' };

/** Cards on pages of exactly ID-1 size, one card per page (for card printers). */
export function id1Pdf(list: PrintableCard[], brand: CardBrand): Promise<Buffer> {
  const { doc, done } = createPdf({ size: [ID1_WIDTH_PT, ID1_HEIGHT_PT], margin: 0, info: INFO, autoFirstPage: false });
  for (const card of list) {
    doc.addPage({ size: [ID1_WIDTH_PT, ID1_HEIGHT_PT], margin: 0 });
    drawCard(doc, 0, 0, card, brand);
  }
  doc.end();
  return done;
}

/** Many cards on A4 sheets, two columns by five rows (10 per page), with cut lines. */
export function sheetPdf(list: PrintableCard[], brand: CardBrand): Promise<Buffer> {
  const { doc, done } = createPdf({ size: 'A4', margin: 0, info: INFO, autoFirstPage: false });
  const gapX = 10;
  const gapY = 8;
  const left = (A4.width - (2 * ID1_WIDTH_PT + gapX)) / 2;
  const top = (A4.height - (5 * ID1_HEIGHT_PT + 4 * gapY)) / 2;
  list.forEach((card, i) => {
    const slot = i % CARDS_PER_SHEET;
    if (slot === 0) doc.addPage({ size: 'A4', margin: 0 });
    const col = slot % 2;
    const row = Math.floor(slot / 2);
    drawCard(doc, left + col * (ID1_WIDTH_PT + gapX), top + row * (ID1_HEIGHT_PT + gapY), card, brand);
  });
  doc.end();
  return done;
}
