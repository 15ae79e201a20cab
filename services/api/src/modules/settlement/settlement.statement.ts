import { formatCents, formatGermanDate } from '@tk/core';
import { citySettings, type DbOrTx, paymentFiles, providers, redemptions } from '@tk/db';
import { eq, inArray } from 'drizzle-orm';
import PDFDocument from 'pdfkit';
import type { Actor } from '../../lib/audit.ts';
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

function lineText(line: BatchLine): { date: string; card: string; benefit: string; amount: string } {
  const amount = formatCents(line.amountCents);
  if (line.kind === 'carry_forward') {
    return { date: '', card: '', benefit: `Vortrag aus Abrechnung ${line.carriedFromBatchNumber ?? ''}`, amount };
  }
  const benefit = BENEFIT_LABELS[line.benefitType ?? ''] ?? line.benefitType ?? '';
  return {
    date: line.serviceDate ? formatGermanDate(line.serviceDate) : '',
    card: line.cardRef ?? '',
    benefit: line.kind === 'correction' ? `STORNO (Korrektur): ${benefit}` : benefit,
    amount,
  };
}

/**
 * The provider's statement (*Gutschrift*) of one batch as PDF: provider, batch number, period, one line
 * per booking (date, pseudonymous card reference, benefit, amount; corrections marked), total and
 * payment reference. No names of children. Accounting sees every batch; a provider user only its own
 * (404 `batch_not_found` otherwise).
 */
export async function renderBatchStatement(db: DbOrTx, batchId: string, actor: Actor): Promise<Buffer> {
  const batch = await findBatch(db, batchId, actor);
  const lines = await batchLines(db, batchId, actor);
  const purposes = await purposesOf(db, lines);
  const [provider] = await db.select().from(providers).where(eq(providers.id, batch.providerId));
  const [settings] = await db.select().from(citySettings).where(eq(citySettings.id, 1));
  const [file] = batch.paymentFileId
    ? await db.select().from(paymentFiles).where(eq(paymentFiles.id, batch.paymentFileId))
    : [];
  const cityName = settings?.cityName ?? '';

  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Gutschrift ${batch.number}`, Author: `Stadt ${cityName}`, Subject: 'Teilhabekarte' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(16).text(`Gutschrift ${batch.number}`);
  doc.font('Helvetica').fontSize(10).text(`Stadt ${cityName} · Bildung und Teilhabe (Teilhabekarte)`);
  doc.moveDown();
  doc.font('Helvetica-Bold').text('Leistungsanbieter');
  doc.font('Helvetica').text(provider?.name ?? batch.providerName);
  if (provider?.street) doc.text(provider.street);
  doc.text([provider?.postalCode, provider?.town].filter(Boolean).join(' '));
  doc.moveDown();
  const period =
    batch.periodFrom && batch.periodTo
      ? `${formatGermanDate(batch.periodFrom)} – ${formatGermanDate(batch.periodTo)}`
      : '–';
  doc.text(`Leistungszeitraum: ${period}`);
  doc.text(`Buchungen bis: ${formatGermanDate(batch.cutoffDate)} 00:00 Uhr (ausschließlich)`);
  doc.text(`Status: ${STATUS_LABELS[batch.status] ?? batch.status}`);
  doc.moveDown();

  const columns = { date: 50, card: 125, benefit: 195, amount: 445 };
  const header = () => {
    doc.font('Helvetica-Bold').fontSize(9);
    const y = doc.y;
    doc.text('Datum', columns.date, y);
    doc.text('Karte', columns.card, y);
    doc.text('Leistung', columns.benefit, y);
    doc.text('Betrag', columns.amount, y, { width: 100, align: 'right' });
    doc
      .moveTo(50, doc.y + 2)
      .lineTo(545, doc.y + 2)
      .stroke();
    doc.moveDown(0.5);
    doc.font('Helvetica');
  };
  header();
  for (const line of lines) {
    if (doc.y > 760) {
      doc.addPage();
      header();
    }
    const t = lineText(line);
    const y = doc.y;
    doc.text(t.date, columns.date, y);
    doc.text(t.card, columns.card, y);
    doc.text(t.amount, columns.amount, y, { width: 100, align: 'right' });
    // Last, so a long purpose that wraps moves the next line down.
    const purpose = line.redemptionId ? purposes.get(line.redemptionId) : undefined;
    doc.text(purpose ? `${t.benefit} – ${purpose}` : t.benefit, columns.benefit, y, { width: 245 });
  }
  doc
    .moveTo(50, doc.y + 2)
    .lineTo(545, doc.y + 2)
    .stroke();
  doc.moveDown(0.5);
  doc.font('Helvetica-Bold').fontSize(10);
  const y = doc.y;
  doc.text(`Gutschriftbetrag (${lines.length} Positionen)`, 50, y);
  doc.text(formatCents(batch.totalCents), columns.amount - 50, y, { width: 150, align: 'right' });
  doc.font('Helvetica').moveDown();
  doc.x = 50;
  if (batch.status === 'carried_forward') {
    doc.text('Der Betrag ist nicht positiv; er wird mit der nächsten Abrechnung verrechnet. Es erfolgt keine Zahlung.');
  } else {
    const iban = provider?.iban ? `…${provider.iban.slice(-4)}` : '';
    doc.text(`Zahlung an: ${provider?.accountHolder ?? ''}, IBAN ${iban}`);
    doc.text(`Verwendungszweck: Gutschrift ${batch.number} Teilhabekarte ${cityName}`);
    if (file) doc.text(`Zahllauf ${file.messageId}, Ausführung am ${formatGermanDate(file.executionDate)}`);
  }
  doc.moveDown();
  doc
    .fontSize(8)
    .text(
      'Diese Gutschrift ersetzt eine Rechnung des Leistungsanbieters. Karten sind pseudonym mit den letzten vier Ziffern der Kartennummer angegeben.',
    );
  doc.end();
  return done;
}
