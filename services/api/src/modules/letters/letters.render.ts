import {
  type BenefitType,
  FAMILY_BENEFIT_LABELS,
  type FamilyLanguage,
  formatCardNumber,
  LANGUAGE_INFO,
} from '@tk/core';
import { createPdf, drawImage, drawQr, drawText, isolate, type TextStyle, textHeight } from '../../lib/pdf.ts';
import { drawCard, ID1_HEIGHT_PT, ID1_WIDTH_PT, type PrintableCard } from '../cards/cards.service.ts';
import { fill, LETTER_TEXTS } from './letters.texts.ts';

export interface LetterEntitlement {
  benefitType: BenefitType;
  validFrom: string;
  validTo: string;
  availableCents: number | null;
}

export interface CardLetter {
  lang: FamilyLanguage;
  cityName: string;
  /** The city's logo (PNG), printed at the top and on the card; null = none uploaded. */
  logo: Buffer | null;
  /** The card's neutral title (city setting). */
  cardTitle: string;
  /** Berlin date of issue, `YYYY-MM-DD`. */
  today: string;
  card: PrintableCard;
  familyAccessCode: string;
  entitlements: LetterEntitlement[];
  /** The family page with the card number filled in (never the code), for the QR code. */
  familyUrl: string;
  /** The family page as printed for reading (without the card number). */
  familyPageUrl: string;
  providersUrl: string;
}

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin;
const COLOR = { text: '#1d2733', muted: '#52606d', rule: '#9aa5b1', box: '#f1f4f8' };

/**
 * Card letters (printCardLetter, one or many) as one A4 PDF, each letter starting on a new page, in the
 * family's language: the cut-out card, the
 * access code with a QR code to the family page (card number filled in, never the code), what the
 * child can use now, how the card is used, where providers are (QR to the directory), what to do when
 * it is lost. Right to left for Arabic, with every line laid out by `drawText`.
 */
export function renderCardLetters(letters: CardLetter[]): Promise<Buffer> {
  const first = letters[0]!;
  const { doc, done } = createPdf({
    size: 'A4',
    margin: PAGE.margin,
    autoFirstPage: false,
    info: {
      Title:
        letters.length === 1
          ? fill(LETTER_TEXTS[first.lang].title, { child: `${first.card.givenName} ${first.card.familyName}` })
          : `${LETTER_TEXTS[first.lang].cardHeading} (${letters.length})`,
    },
    lang: htmlLang(first.lang),
  });
  for (const letter of letters) {
    doc.addPage();
    drawLetter(doc, letter);
  }
  doc.end();
  return done;
}

const htmlLang = (lang: FamilyLanguage) => LANGUAGE_INFO[lang].locale.split('-u-')[0]!;

function drawLetter(doc: PDFKit.PDFDocument, letter: CardLetter): void {
  const t = LETTER_TEXTS[letter.lang];
  const { dir, locale } = LANGUAGE_INFO[letter.lang];
  const rtl = dir === 'rtl';
  const child = isolate(`${letter.card.givenName} ${letter.card.familyName}`, 'auto');
  const values = { child, city: isolate(letter.cityName, 'auto') };
  // Intl puts direction marks into Arabic dates and amounts; `isolate` places them instead.
  const plain = (text: string) => text.replace(/[\u200E\u200F\u061C]/g, '');
  const dateText = (iso: string) =>
    plain(
      new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`)),
    );
  const money = (cents: number) =>
    plain(new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(cents / 100));

  const body: TextStyle = { size: 9.5, direction: dir, lineGap: 1 };
  const small: TextStyle = { size: 8.5, direction: dir, color: COLOR.muted };
  let y = PAGE.margin;

  /** x of a box `w` wide that starts `offset` from the reading start (left, or right for RTL). */
  const from = (offset: number, w: number) => (rtl ? PAGE.margin + WIDTH - offset - w : PAGE.margin + offset);
  const ensure = (height: number) => {
    if (y + height <= BOTTOM) return;
    doc.addPage();
    y = PAGE.margin;
  };
  const paragraph = (text: string, style: TextStyle = body, gap = 6) => {
    ensure(textHeight(doc, text, WIDTH, style));
    y = drawText(doc, text, PAGE.margin, y, WIDTH, style) + gap;
  };
  const heading = (text: string) => {
    ensure(40);
    y += 2;
    y = drawText(doc, text, PAGE.margin, y, WIDTH, { size: 12, bold: true, direction: dir }) + 3;
  };

  // The city's logo at the top, on the side where reading ends; then sender and date.
  if (letter.logo) {
    const logoBox = { width: 160, height: 40, align: rtl ? ('left' as const) : ('right' as const) };
    drawImage(doc, letter.logo, rtl ? PAGE.margin : PAGE.margin + WIDTH - logoBox.width, y, logoBox);
    y += 52;
  }
  // Sender and date; title; greeting and introduction.
  drawText(doc, fill(t.sender, values), PAGE.margin, y, WIDTH, { size: 10, bold: true, direction: dir });
  drawText(doc, fill(t.dateLine, { ...values, date: dateText(letter.today) }), PAGE.margin, y, WIDTH, {
    size: 10,
    direction: dir,
    align: rtl ? 'left' : 'right',
  });
  y += 28;
  y = drawText(doc, fill(t.title, values), PAGE.margin, y, WIDTH, { size: 16, bold: true, direction: dir }) + 6;
  paragraph(t.greeting, body, 2);
  paragraph(fill(t.intro, values), body, 14);

  // The cut-out card and, beside it, the access code with the QR code to the family page.
  const blockHeight = ID1_HEIGHT_PT + 30;
  ensure(blockHeight);
  const cardX = from(0, ID1_WIDTH_PT + 12) + 6;
  doc
    .save()
    .dash(4, { space: 3 })
    .lineWidth(0.6)
    .strokeColor(COLOR.rule)
    .rect(cardX - 6, y - 6, ID1_WIDTH_PT + 12, ID1_HEIGHT_PT + 12)
    .stroke()
    .undash()
    .restore();
  drawCard(doc, cardX, y, letter.card, { cityName: letter.cityName, title: letter.cardTitle, logo: letter.logo });
  drawText(doc, t.cutHint, cardX - 6, y + ID1_HEIGHT_PT + 9, ID1_WIDTH_PT + 12, {
    ...small,
    size: 7.5,
  });
  const codeWidth = WIDTH - ID1_WIDTH_PT - 30;
  const codeX = from(ID1_WIDTH_PT + 30, codeWidth);
  doc
    .save()
    .roundedRect(codeX, y - 6, codeWidth, ID1_HEIGHT_PT + 12, 6)
    .fill(COLOR.box)
    .restore();
  const qrSide = 74;
  const innerX = rtl ? codeX + qrSide + 16 : codeX + 10;
  const innerWidth = codeWidth - qrSide - 26;
  let cy = y + 2;
  cy = drawText(doc, t.codeLabel, innerX, cy, innerWidth, { size: 8.5, direction: dir, color: COLOR.muted });
  cy = drawText(doc, isolate(letter.familyAccessCode), innerX, cy + 1, innerWidth, {
    size: 16,
    bold: true,
    direction: dir,
  });
  cy = drawText(doc, t.cardNumberLabel, innerX, cy + 4, innerWidth, { size: 8.5, direction: dir, color: COLOR.muted });
  cy = drawText(doc, isolate(formatCardNumber(letter.card.cardNumber)), innerX, cy + 1, innerWidth, {
    size: 10,
    bold: true,
    direction: dir,
    maxLines: 1,
  });
  drawText(doc, t.codeValidity, innerX, cy + 4, innerWidth, { size: 7.5, direction: dir, color: COLOR.muted });
  const qrX = rtl ? codeX + 8 : codeX + codeWidth - qrSide - 8;
  drawQr(doc, letter.familyUrl, qrX, y, qrSide);
  drawText(doc, t.qrFamily, qrX - 6, y + qrSide + 1, qrSide + 12, {
    size: 7.5,
    direction: dir,
    align: 'center',
    color: COLOR.muted,
  });
  y += blockHeight;

  // What the child can use now.
  heading(fill(t.entitlementsHeading, values));
  if (letter.entitlements.length === 0) paragraph(t.entitlementsNone);
  else {
    const columns = [
      { offset: 0, width: WIDTH * 0.46 },
      { offset: WIDTH * 0.48, width: WIDTH * 0.3 },
      { offset: WIDTH * 0.8, width: WIDTH * 0.2 },
    ];
    const row = (cells: string[], style: TextStyle) => {
      const height = Math.max(...cells.map((c, i) => textHeight(doc, c, columns[i]!.width, style)));
      ensure(height + 6);
      cells.forEach((cell, i) => {
        const col = columns[i]!;
        drawText(doc, cell, from(col.offset, col.width), y, col.width, {
          ...style,
          ...(i === 2 ? { align: rtl ? 'left' : 'right' } : {}),
        });
      });
      y += height + 3;
      doc
        .moveTo(PAGE.margin, y)
        .lineTo(PAGE.margin + WIDTH, y)
        .lineWidth(0.4)
        .strokeColor(COLOR.rule)
        .stroke();
      y += 4;
    };
    row([t.columnBenefit, t.columnPeriod, t.columnBalance], { ...body, bold: true, size: 9 });
    for (const e of letter.entitlements) {
      const balance =
        e.benefitType === 'lunch'
          ? t.lunchBalance
          : e.availableCents === null
            ? t.noBalance
            : isolate(money(e.availableCents));
      row(
        [
          FAMILY_BENEFIT_LABELS[letter.lang][e.benefitType],
          isolate(`${dateText(e.validFrom)} – ${dateText(e.validTo)}`),
          balance,
        ],
        body,
      );
    }
    y += 4;
  }

  // How the card is used.
  heading(t.howHeading);
  for (const text of [t.howClub, t.howCanteen, t.howTutor, t.howTrip]) {
    const bullet = rtl ? 0 : 12;
    ensure(textHeight(doc, text, WIDTH - 12, body));
    drawText(doc, '•', from(0, 10), y, 10, body);
    y = drawText(doc, text, PAGE.margin + bullet, y, WIDTH - 12, body) + 2;
  }

  // Where providers are (QR to the directory), the family page, a lost card.
  heading(t.whereHeading);
  const whereText = fill(t.whereText, { ...values, url: isolate(letter.providersUrl) });
  const textWidth = WIDTH - 80;
  const whereHeight = Math.max(80, textHeight(doc, whereText, textWidth, body));
  ensure(whereHeight);
  const whereY = y;
  drawText(doc, whereText, from(0, textWidth), y, textWidth, body);
  drawQr(doc, letter.providersUrl, from(WIDTH - 60, 60), whereY - 14, 60);
  drawText(doc, t.qrProviders, from(WIDTH - 70, 76), whereY + 47, 76, { ...small, size: 7, align: 'center' });
  y = whereY + Math.max(66, whereHeight - 14);

  heading(t.codeHeading);
  paragraph(fill(t.codeText, { ...values, url: isolate(letter.familyPageUrl) }));
  heading(t.lostHeading);
  paragraph(fill(t.lostText, values), body, 10);
  paragraph(t.closing, body, 2);
  paragraph(fill(t.sender, values), { ...body, bold: true });
}
