import {
  ACCESS_ACTION_NAMES,
  type AccessAction,
  APPROVAL_STATUS_NAMES,
  BLOCK_REASON_NAMES,
  benefitTypeName,
  CARD_STATUS_NAMES,
  formatCents,
  formatGermanDate,
  legalBasisName,
} from '@tk/core';
import { createPdf, drawText, textHeight } from '../../lib/pdf.ts';
import type { DataExport } from './privacy.schemas.ts';

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin - 20;
const COLOR = { text: '#1d2733', muted: '#52606d', rule: '#9aa5b1' };

const berlin = (iso: string) =>
  new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Berlin' }).format(
    new Date(iso),
  );
const day = (iso: string | undefined) => (iso ? formatGermanDate(iso) : '–');
const cents = (value: number | null | undefined) => (value === null || value === undefined ? '–' : formatCents(value));

const FIELD_NAMES: Record<string, string> = {
  givenName: 'Vorname',
  familyName: 'Familienname',
  birthDate: 'Geburtsdatum',
  caseReference: 'Aktenzeichen',
};
const fields = (values: Record<string, unknown>) =>
  Object.entries(values)
    .map(([k, v]) => `${FIELD_NAMES[k] ?? k}: ${k === 'birthDate' ? day(String(v)) : String(v)}`)
    .join(', ');

interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
}

/**
 * The Art. 15 GDPR information (Auskunft) as a German A4 PDF, fonts embedded by lib/pdf.ts: the same
 * content as the JSON of exportBeneficiaryData, with the purposes, recipients and rights the city has
 * to name, for the family to keep.
 */
export function renderDataExportPdf(
  data: DataExport,
  context: { cityName: string; generatedAt: string },
): Promise<Buffer> {
  const child = data.beneficiary;
  const { doc, done } = createPdf({
    size: 'A4',
    margin: PAGE.margin,
    info: { Title: `Auskunft nach Art. 15 DSGVO – ${child.givenName} ${child.familyName}`, Subject: 'Teilhabekarte' },
    lang: 'de-DE',
    bufferPages: true,
  });
  let y = PAGE.margin;
  const ensure = (height: number) => {
    if (y + height <= BOTTOM) return;
    doc.addPage();
    y = PAGE.margin;
  };
  const text = (value: string, style: { size?: number; bold?: boolean; color?: string } = {}) => {
    const size = style.size ?? 10;
    ensure(textHeight(doc, value, WIDTH, { size, bold: style.bold }));
    y = drawText(doc, value, PAGE.margin, y, WIDTH, { size, bold: style.bold, color: style.color ?? COLOR.text });
  };
  const heading = (value: string) => {
    y += 10;
    ensure(40);
    text(value, { size: 12, bold: true });
    y += 3;
  };
  const table = (columns: Column[], rows: string[][], empty: string) => {
    if (rows.length === 0) {
      text(empty, { color: COLOR.muted });
      return;
    }
    const scale = WIDTH / columns.reduce((s, c) => s + c.width, 0);
    // Cells wrap (a long provider name is information the family is owed, not to be cut off).
    const widths = columns.map((c) => c.width * scale - (c.align === 'right' ? 12 : 4));
    const heightOf = (cells: string[], bold: boolean) =>
      Math.max(...cells.map((cell, i) => textHeight(doc, cell, widths[i]!, { size: 8.5, bold })));
    const drawRow = (cells: string[], bold: boolean) => {
      const height = heightOf(cells, bold);
      ensure(height + 2);
      let x = PAGE.margin;
      cells.forEach((cell, i) => {
        const col = columns[i]!;
        drawText(doc, cell, x, y, widths[i]!, { size: 8.5, bold, align: col.align ?? 'left', color: COLOR.text });
        x += col.width * scale;
      });
      y += height + 1.5;
    };
    const header = () => {
      drawRow(
        columns.map((c) => c.title),
        true,
      );
      doc
        .moveTo(PAGE.margin, y - 1)
        .lineTo(PAGE.margin + WIDTH, y - 1)
        .lineWidth(0.5)
        .strokeColor(COLOR.rule)
        .stroke();
      y += 2;
    };
    header();
    for (const row of rows) {
      if (y + heightOf(row, false) + 2 > BOTTOM) {
        doc.addPage();
        y = PAGE.margin;
        header();
      }
      drawRow(row, false);
    }
  };

  text(`${context.cityName} – Bildung und Teilhabe (Teilhabekarte)`, { size: 9, color: COLOR.muted });
  y += 4;
  text('Auskunft nach Art. 15 DSGVO', { size: 18, bold: true });
  text(`über die gespeicherten Daten von ${child.givenName} ${child.familyName}`, { size: 12 });
  y += 2;
  text(`Erstellt am ${berlin(context.generatedAt)}. Stand aller Angaben: dieser Zeitpunkt.`, {
    size: 9,
    color: COLOR.muted,
  });

  // After the retention run (pseudonymisation) the personal fields are gone; the export says so.
  const REMOVED = 'gelöscht (pseudonymisiert)';
  heading('1. Gespeicherte Angaben zum Kind');
  table(
    [
      { title: 'Angabe', width: 1 },
      { title: 'Wert', width: 2.2 },
    ],
    [
      ['Vorname', child.givenName ?? REMOVED],
      ['Familienname', child.familyName ?? REMOVED],
      ['Geburtsdatum', child.birthDate ? day(child.birthDate) : REMOVED],
      ['Aktenzeichen', child.caseReference ?? REMOVED],
      ['Erfasst am', berlin(child.createdAt)],
    ],
    '',
  );
  if (child.revisions.length > 0) {
    y += 4;
    text('Berichtigungen der Angaben:', { size: 9, bold: true });
    table(
      [
        { title: 'Zeitpunkt', width: 1.1 },
        { title: 'vorher', width: 2 },
        { title: 'nachher', width: 2 },
      ],
      child.revisions.map((r) => [berlin(r.changedAt), fields(r.before), fields(r.after)]),
      '',
    );
  }

  heading('2. Bewilligungen');
  table(
    [
      { title: 'Leistung', width: 1.5 },
      { title: 'Rechtskreis', width: 1.1 },
      { title: 'Zeitraum', width: 1.6 },
      { title: 'Budget', width: 0.9, align: 'right' },
      { title: 'gebucht', width: 0.9, align: 'right' },
      { title: 'Rest', width: 0.9, align: 'right' },
      { title: 'Status', width: 1 },
    ],
    data.approvals.map((a) => [
      [benefitTypeName(a.benefitType), a.providerName, a.reference, a.subject].filter(Boolean).join(' – '),
      legalBasisName(a.legalBasis),
      `${day(a.validFrom)} – ${day(a.validTo)}`,
      cents(a.budgetCents),
      cents(a.bookedCents),
      cents(a.remainingCents),
      APPROVAL_STATUS_NAMES[a.status],
    ]),
    'Keine Bewilligungen gespeichert.',
  );

  heading('3. Karten');
  table(
    [
      { title: 'Kartennummer', width: 1.6 },
      { title: 'Status', width: 1.3 },
      { title: 'ausgegeben', width: 1.2 },
      { title: 'gesperrt', width: 1.2 },
    ],
    data.cards.map((c) => [
      c.cardNumberFormatted,
      `${CARD_STATUS_NAMES[c.status]}${c.blockReason ? ` (${BLOCK_REASON_NAMES[c.blockReason]})` : ''}`,
      berlin(c.issuedAt),
      c.blockedAt ? berlin(c.blockedAt) : '–',
    ]),
    'Keine Karte ausgegeben.',
  );

  heading('4. Buchungen (welcher Anbieter was gebucht hat)');
  table(
    [
      { title: 'Leistungstag', width: 1 },
      { title: 'Leistung', width: 1.3 },
      { title: 'Anbieter', width: 2.4 },
      { title: 'Betrag', width: 0.9, align: 'right' },
      { title: 'Status', width: 0.9 },
    ],
    data.redemptions.map((r) => [
      day(r.serviceDate),
      benefitTypeName(r.benefitType),
      r.providerName,
      formatCents(r.amountCents),
      r.status === 'booked' ? 'gebucht' : 'storniert',
    ]),
    'Keine Buchungen.',
  );

  heading('5. Zugriffe auf die Daten (wer in der Stadt die Akte angesehen hat)');
  table(
    [
      { title: 'Zeitpunkt', width: 1.2 },
      { title: 'Benutzer', width: 1.4 },
      { title: 'Vorgang', width: 2.4 },
    ],
    data.accessLog.map((e) => [
      berlin(e.at),
      e.username ?? 'Familie (Guthabenabfrage)',
      ACCESS_ACTION_NAMES[e.action as AccessAction] ?? e.action,
    ]),
    'Keine Zugriffe aufgezeichnet.',
  );

  heading('6. Zwecke, Empfänger, Speicherdauer und Ihre Rechte');
  for (const paragraph of [
    'Zweck: Bewilligung und Abrechnung der Leistungen für Bildung und Teilhabe (§§ 28, 29 SGB II, §§ 34, 34a SGB XII, § 6b BKGG, § 3 AsylbLG). Rechtsgrundlage: Art. 6 Abs. 1 lit. c und e DSGVO in Verbindung mit §§ 67 ff. SGB X; die Daten unterliegen dem Sozialgeheimnis (§ 35 SGB I).',
    'Empfänger: Anbieter sehen beim Einlösen nur den Vornamen, den ersten Buchstaben des Familiennamens und was sie abrechnen dürfen, nie Geburtsdatum oder Aktenzeichen. Anbieter erhalten die Zahlungen für ihre Buchungen; die Stadt rechnet mit den Kostenträgern ab.',
    'Speicherdauer: Nach dem Ende der letzten Bewilligung werden Namen, Geburtsdatum und Aktenzeichen nach der Aufbewahrungsfrist der Stadt entfernt (pseudonymisiert); Buchungen und Zahlungen bleiben für die Rechnungsprüfung ohne Namen erhalten.',
    'Ihre Rechte: Berichtigung (Art. 16), Löschung (Art. 17), Einschränkung der Verarbeitung (Art. 18) und Widerspruch (Art. 21 DSGVO). Sie können sich bei der Datenschutzbeauftragten der Stadt und bei der Aufsichtsbehörde beschweren (Art. 77 DSGVO).',
  ]) {
    text(paragraph, { size: 9 });
    y += 4;
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    drawText(doc, `Seite ${i + 1} von ${range.count}`, PAGE.margin, PAGE.height - PAGE.margin - 12, WIDTH, {
      size: 8,
      color: COLOR.muted,
      align: 'right',
    });
  }
  doc.end();
  return done;
}
