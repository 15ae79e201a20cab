import { BENEFIT_TYPE_NAMES, type BenefitType, berlinDate, formatCents, formatGermanDate } from '@tk/core';
import { type DbOrTx, paymentFiles, providers, redemptions } from '@tk/db';
import { eq, inArray } from 'drizzle-orm';
import type { Actor } from '../../lib/audit.ts';
import { createPdf, drawImage, drawText, type TextStyle, textHeight } from '../../lib/pdf.ts';
import { cityLogoPng, getSettings } from '../catalogue/catalogue.service.ts';
import type { BatchLine } from './settlement.schemas.ts';
import { batchLines, findBatch } from './settlement.service.ts';

export const BENEFIT_LABELS: Record<string, string> = {
  lunch: 'Mittagessen',
  participation: 'Soziale und kulturelle Teilhabe',
  tutoring: 'Lernförderung',
  trip: 'Ausflug / Klassenfahrt',
  school_supplies: 'Schulbedarf',
  transport: 'Schülerbeförderung',
};

const STATUS_LABELS: Record<string, string> = {
  open: 'offen (in Prüfung)',
  certified: 'sachlich und rechnerisch richtig festgestellt',
  released: 'zur Zahlung angeordnet',
  exported: 'zur Zahlung übermittelt',
  paid: 'bezahlt',
  returned: 'von der Bank zurückgegeben (wird nach Korrektur der Bankdaten erneut gezahlt)',
  carried_forward: 'vorgetragen (wird mit der nächsten Abrechnung verrechnet)',
};

/** What each booking was for, as the provider typed it (api-v1 `purpose`), by redemption id. */
async function purposesOf(db: DbOrTx, lines: BatchLine[]): Promise<Map<string, string>> {
  const ids = lines.flatMap((l) => (l.redemptionId ? [l.redemptionId] : []));
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: redemptions.id, purpose: redemptions.purpose })
    .from(redemptions)
    .where(inArray(redemptions.id, ids));
  return new Map(rows.flatMap((r) => (r.purpose ? [[r.id, r.purpose] as const] : [])));
}

const benefitName = (code: string | null) =>
  BENEFIT_TYPE_NAMES[code as BenefitType]?.catalogue ?? BENEFIT_LABELS[code ?? ''] ?? code ?? '';

function lineText(line: BatchLine, purpose: string | undefined) {
  const amount = formatCents(line.amountCents);
  if (line.kind === 'carry_forward') {
    return { date: '', card: '', benefit: `Vortrag aus Abrechnung ${line.carriedFromBatchNumber ?? ''}`, amount };
  }
  const benefit = benefitName(line.benefitType);
  const text = line.kind === 'correction' ? `STORNO (Korrektur): ${benefit}` : benefit;
  return {
    date: line.serviceDate ? formatGermanDate(line.serviceDate) : '',
    card: line.cardRef ?? '',
    benefit: purpose ? `${text}\nZweck: ${purpose}` : text,
    amount,
  };
}

/** Sums per benefit type (bookings minus corrections), in catalogue order; the carry-forward apart. */
function totalsByBenefit(lines: BatchLine[]): { label: string; count: number; cents: number }[] {
  const order = Object.keys(BENEFIT_TYPE_NAMES);
  const sums = new Map<string, { count: number; cents: number }>();
  for (const line of lines) {
    const key = line.kind === 'carry_forward' ? '~carry' : (line.benefitType ?? '');
    const sum = sums.get(key) ?? { count: 0, cents: 0 };
    sum.count += 1;
    sum.cents += line.amountCents;
    sums.set(key, sum);
  }
  const rank = (key: string) =>
    key === '~carry' ? order.length + 1 : order.indexOf(key) < 0 ? order.length : order.indexOf(key);
  return [...sums.entries()]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, sum]) => ({
      label: key === '~carry' ? 'Vortrag aus früheren Abrechnungen' : benefitName(key),
      ...sum,
    }));
}

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const RIGHT = PAGE.width - PAGE.margin;
const WIDTH = RIGHT - PAGE.margin;
/** Lines end above the footer with the page number. */
const BOTTOM = PAGE.height - 70;
const COLOR = { text: '#1d2733', muted: '#52606d', rule: '#9aa5b1' };
const COLUMNS = { date: PAGE.margin, card: PAGE.margin + 62, benefit: PAGE.margin + 120, amount: RIGHT - 80 };
const BENEFIT_WIDTH = COLUMNS.amount - COLUMNS.benefit - 10;

/**
 * The provider's statement (*Gutschrift*) of one batch as PDF, in place of an invoice: the issuing
 * office with its address and the city's logo, the provider's address, statement number, issue date
 * (the day the batch was settled, so a reprint carries the same date), period, one line per booking
 * (date, pseudonymous card reference, benefit, the purpose the provider entered, amount; corrections
 * marked), totals per benefit type, the total and the payment reference; "Seite n von m" on every page,
 * with the table header repeated. Embedded Noto fonts (lib/pdf.ts). No names of children. Accounting
 * sees every batch; a provider user only its own (404 `batch_not_found` otherwise).
 */
export async function renderBatchStatement(db: DbOrTx, batchId: string, actor: Actor): Promise<Buffer> {
  const batch = await findBatch(db, batchId, actor);
  const lines = await batchLines(db, batchId, actor);
  const purposes = await purposesOf(db, lines);
  const [provider] = await db.select().from(providers).where(eq(providers.id, batch.providerId));
  const settings = await getSettings(db);
  const logo = await cityLogoPng(db);
  const [file] = batch.paymentFileId
    ? await db.select().from(paymentFiles).where(eq(paymentFiles.id, batch.paymentFileId))
    : [];
  const { cityName, address } = settings;
  const issuedOn = berlinDate(new Date(batch.createdAt));

  const { doc, done } = createPdf({
    size: 'A4',
    margin: PAGE.margin,
    bufferPages: true,
    info: { Title: `Gutschrift ${batch.number}`, Author: `Stadt ${cityName}`, Subject: 'Teilhabekarte' },
    lang: 'de-DE',
  });
  const body: TextStyle = { size: 9.5 };
  const small: TextStyle = { size: 8, color: COLOR.muted };
  const rule = (y: number) => {
    doc.save().moveTo(PAGE.margin, y).lineTo(RIGHT, y).lineWidth(0.6).strokeColor(COLOR.rule).stroke().restore();
  };

  // Page 1: issuer (with logo), recipient, the statement's data.
  let y = PAGE.margin;
  if (logo) drawImage(doc, logo, RIGHT - 160, y, { width: 160, height: 44, align: 'right' });
  const issuer = [
    `Stadt ${cityName}`,
    address.office,
    address.street,
    [address.postalCode, address.town].filter(Boolean).join(' '),
  ]
    .filter((part): part is string => Boolean(part))
    .join('\n');
  y = drawText(doc, issuer, PAGE.margin, y, WIDTH - 180, { size: 9.5, bold: false, lineGap: 0.5 });
  y = Math.max(y, PAGE.margin + 50) + 16;
  // Sender line above the window address, as on a letter.
  const senderLine = [`Stadt ${cityName}`, address.street, [address.postalCode, address.town].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(' · ');
  drawText(doc, senderLine, PAGE.margin, y, 260, { ...small, size: 7, maxLines: 1 });
  const recipient = [
    provider?.name ?? batch.providerName,
    provider?.street,
    [provider?.postalCode, provider?.town].filter(Boolean).join(' '),
  ]
    .filter((part): part is string => Boolean(part))
    .join('\n');
  const recipientEnd = drawText(doc, recipient, PAGE.margin, y + 12, 260, { size: 10, lineGap: 0.5 });
  const period =
    batch.periodFrom && batch.periodTo
      ? `${formatGermanDate(batch.periodFrom)} – ${formatGermanDate(batch.periodTo)}`
      : '–';
  const facts: [string, string][] = [
    ['Gutschrift-Nr.', batch.number],
    ['Ausstellungsdatum', formatGermanDate(issuedOn)],
    ['Leistungszeitraum', period],
    ['Buchungen bis', `${formatGermanDate(batch.cutoffDate)} 00:00 Uhr (ausschl.)`],
  ];
  let factY = y;
  for (const [label, value] of facts) {
    drawText(doc, label, RIGHT - 230, factY, 95, { size: 8.5, color: COLOR.muted });
    factY = drawText(doc, value, RIGHT - 135, factY, 135, { size: 8.5, bold: label === 'Gutschrift-Nr.' });
  }
  y = Math.max(recipientEnd, factY) + 22;
  y = drawText(doc, `Gutschrift ${batch.number}`, PAGE.margin, y, WIDTH, { size: 16, bold: true }) + 4;
  y = drawText(doc, `Status: ${STATUS_LABELS[batch.status] ?? batch.status}`, PAGE.margin, y, WIDTH, small) + 2;
  y =
    drawText(
      doc,
      `Für die mit der Teilhabekarte der Stadt ${cityName} erbrachten Leistungen schreiben wir Ihnen gut:`,
      PAGE.margin,
      y,
      WIDTH,
      body,
    ) + 12;

  const tableHeader = () => {
    const head = { size: 8.5, bold: true } as const;
    drawText(doc, 'Datum', COLUMNS.date, y, 60, head);
    drawText(doc, 'Karte', COLUMNS.card, y, 56, head);
    drawText(doc, 'Leistung und Zweck', COLUMNS.benefit, y, BENEFIT_WIDTH, head);
    drawText(doc, 'Betrag', COLUMNS.amount, y, RIGHT - COLUMNS.amount, { ...head, align: 'right' });
    y += 13;
    rule(y);
    y += 4;
  };
  const newPage = () => {
    doc.addPage();
    y = PAGE.margin;
    y =
      drawText(
        doc,
        `Gutschrift ${batch.number} · ${provider?.name ?? batch.providerName}`,
        PAGE.margin,
        y,
        WIDTH,
        small,
      ) + 10;
  };
  tableHeader();
  const cell = { size: 8.5, lineGap: 0 } as const;
  for (const line of lines) {
    const t = lineText(line, line.redemptionId ? purposes.get(line.redemptionId) : undefined);
    const height = textHeight(doc, t.benefit, BENEFIT_WIDTH, cell) + 3;
    if (y + height > BOTTOM) {
      newPage();
      tableHeader();
    }
    drawText(doc, t.date, COLUMNS.date, y, 60, cell);
    drawText(doc, t.card, COLUMNS.card, y, 56, cell);
    drawText(doc, t.benefit, COLUMNS.benefit, y, BENEFIT_WIDTH, cell);
    drawText(doc, t.amount, COLUMNS.amount, y, RIGHT - COLUMNS.amount, { ...cell, align: 'right' });
    y += height;
  }
  rule(y + 1);
  y += 8;

  // Totals per benefit type, then the total and how it is paid.
  const totals = totalsByBenefit(lines);
  const ensure = (height: number) => {
    if (y + height > BOTTOM) newPage();
  };
  // The totals, the amount and the payment stay together on one page.
  ensure(95 + totals.length * 13 + 3 * 13);
  y = drawText(doc, 'Summen je Leistungsart', PAGE.margin, y, WIDTH, { size: 9.5, bold: true }) + 3;
  for (const total of totals) {
    drawText(doc, total.label, COLUMNS.benefit, y, BENEFIT_WIDTH - 70, cell);
    drawText(doc, `${total.count} Pos.`, COLUMNS.amount - 70, y, 60, { ...cell, color: COLOR.muted, align: 'right' });
    y =
      drawText(doc, formatCents(total.cents), COLUMNS.amount, y, RIGHT - COLUMNS.amount, { ...cell, align: 'right' }) +
      1;
  }
  y += 4;
  rule(y);
  y += 5;
  drawText(doc, `Gutschriftbetrag (${lines.length} Positionen)`, PAGE.margin, y, WIDTH - 120, { size: 10, bold: true });
  y = drawText(doc, formatCents(batch.totalCents), RIGHT - 150, y, 150, { size: 10, bold: true, align: 'right' }) + 12;

  const payment =
    batch.status === 'carried_forward'
      ? ['Der Betrag ist nicht positiv; er wird mit der nächsten Abrechnung verrechnet. Es erfolgt keine Zahlung.']
      : [
          `Zahlung an: ${provider?.accountHolder ?? ''}, IBAN ${provider?.iban ? `…${provider.iban.slice(-4)}` : ''}`,
          `Verwendungszweck: Gutschrift ${batch.number} Teilhabekarte ${cityName}`,
          ...(file ? [`Zahllauf ${file.messageId}, Ausführung am ${formatGermanDate(file.executionDate)}`] : []),
        ];
  const note =
    'Diese Gutschrift ersetzt eine Rechnung des Leistungsanbieters. Karten sind pseudonym mit den letzten vier Ziffern der Kartennummer angegeben.';
  for (const text of payment) y = drawText(doc, text, PAGE.margin, y, WIDTH, body) + 1;
  y += 8;
  drawText(doc, note, PAGE.margin, y, WIDTH, small);

  // Footer on every page, now that the page count is known.
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const footerY = PAGE.height - 45;
    rule(footerY - 4);
    drawText(
      doc,
      `Stadt ${cityName} · Gutschrift ${batch.number} vom ${formatGermanDate(issuedOn)}`,
      PAGE.margin,
      footerY,
      WIDTH - 100,
      {
        ...small,
        maxLines: 1,
      },
    );
    drawText(doc, `Seite ${i - start + 1} von ${count}`, RIGHT - 100, footerY, 100, { ...small, align: 'right' });
    doc.page.margins.bottom = bottomMargin;
  }
  doc.end();
  return done;
}
