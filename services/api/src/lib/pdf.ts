import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import bidiFactory from 'bidi-js';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

/**
 * The one place where PDFs are started: every document embeds Noto Sans (Latin incl. Vietnamese,
 * Turkish, Polish; Greek; Cyrillic) and Noto Sans Arabic from npm packages (full static TTFs; pdfkit
 * embeds a subset of the glyphs used), so names such as Łukasz, Ğül, Nguyễn or Zoë print as written.
 *
 * pdfkit lays out each string with fontkit, which shapes Arabic (joining forms, ligatures via GSUB)
 * and reverses an Arabic run into visual order, but it knows nothing of paragraph direction or mixed
 * runs. `drawText` therefore wraps lines itself, resolves the Unicode bidi levels of each line
 * (bidi-js), and draws the runs in visual order, each with the font that has its letters.
 * See docs/adr/0018-pdf-fonts-and-bidi.md.
 */

const require = createRequire(import.meta.url);
const FONT_FILES = {
  sans: '@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf',
  'sans-bold': '@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf',
  arabic: '@expo-google-fonts/noto-sans-arabic/400Regular/NotoSansArabic_400Regular.ttf',
  'arabic-bold': '@expo-google-fonts/noto-sans-arabic/700Bold/NotoSansArabic_700Bold.ttf',
} as const;
type FontName = keyof typeof FONT_FILES;

let fontBytes: Record<FontName, Buffer> | undefined;
function fonts(): Record<FontName, Buffer> {
  fontBytes ??= Object.fromEntries(
    Object.entries(FONT_FILES).map(([name, file]) => [name, readFileSync(require.resolve(file))]),
  ) as Record<FontName, Buffer>;
  return fontBytes;
}

export interface PdfHandle {
  doc: PDFKit.PDFDocument;
  /** The document's bytes, once `doc.end()` has been called. */
  done: Promise<Buffer>;
}

/** A new pdfkit document with the embedded fonts registered and its bytes collected. */
export function createPdf(options: PDFKit.PDFDocumentOptions): PdfHandle {
  const doc = new PDFDocument({ ...options, info: { Creator: 'Teilhabekarte', ...options.info } });
  for (const [name, bytes] of Object.entries(fonts())) doc.registerFont(name, bytes);
  doc.font('sans');
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done };
}

const bidi = bidiFactory();
const ARABIC = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/u;
const STRONG_RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/u;
/** Direction marks and isolates steer the bidi algorithm; they have no glyph to draw. */
const INVISIBLE = /[\u200E\u200F\u2066-\u2069]/gu;
// pdfkit lays out text word by word unless features are given; with them it hands the whole run to
// fontkit, which then shapes and reverses an Arabic run as one (its default features still apply).
const WHOLE_RUN = { features: [] as PDFKit.Mixins.OpenTypeFeatures[] };

/**
 * Keeps a fragment in one piece inside text of the other direction: `ltr` for a card number, an
 * amount or an address; `auto` (first strong letter) for a name, which may be written in any script.
 */
export function isolate(text: string, direction: 'ltr' | 'auto' = 'ltr'): string {
  return `${direction === 'ltr' ? '\u2066' : '\u2068'}${text}\u2069`;
}

export type Direction = 'ltr' | 'rtl';

/** Right to left when the text's first strong letter is (UAX #9, rules P2/P3). */
export function directionOf(text: string): Direction {
  return bidi.getEmbeddingLevels(text, 'auto').paragraphs[0]?.level === 1 ? 'rtl' : 'ltr';
}

export interface TextStyle {
  size: number;
  bold?: boolean;
  color?: string;
  /** Paragraph direction; default: from the text's first strong letter. */
  direction?: Direction;
  /** Default: `right` for right-to-left paragraphs, `left` otherwise. */
  align?: 'left' | 'right' | 'center';
  /** Extra space between lines in points. */
  lineGap?: number;
}

interface Run {
  text: string;
  font: FontName;
  width: number;
}

function fontFor(text: string, bold: boolean | undefined): FontName {
  const base = ARABIC.test(text) ? 'arabic' : 'sans';
  return bold ? `${base}-bold` : base;
}

/**
 * The runs of one line in visual order (left to right). A right-to-left run that holds Arabic letters
 * is handed to fontkit in logical order (it shapes, then reverses); any other reversed run is
 * reversed here, with mirrored brackets.
 */
function visualRuns(doc: PDFKit.PDFDocument, line: string, style: TextStyle, direction: Direction): Run[] {
  if (!STRONG_RTL.test(line) && direction === 'ltr') {
    const text = line.replace(INVISIBLE, '');
    return [measure(doc, text, fontFor(text, style.bold), style)];
  }
  const levels = bidi.getEmbeddingLevels(line, direction);
  const order = bidi.getReorderedIndices(line, levels);
  const runs: Run[] = [];
  let i = 0;
  while (i < order.length) {
    const start = order[i]!;
    const rtl = (levels.levels[start]! & 1) === 1;
    let j = i + 1;
    while (j < order.length && order[j] === order[j - 1]! + (rtl ? -1 : 1)) j++;
    const from = rtl ? order[j - 1]! : start;
    const to = rtl ? start : order[j - 1]!;
    let text = line.slice(from, to + 1).replace(INVISIBLE, '');
    if (rtl) {
      const mirrored = [...text].map((ch) => bidi.getMirroredCharacter(ch) ?? ch);
      text = ARABIC.test(text) ? mirrored.join('') : mirrored.reverse().join('');
    }
    if (text !== '') runs.push(measure(doc, text, fontFor(text, style.bold), style));
    i = j;
  }
  return runs;
}

// Shaping is the costly part of layout and pdfkit does not cache it when features are given.
const widths = new WeakMap<PDFKit.PDFDocument, Map<string, number>>();

function measure(doc: PDFKit.PDFDocument, text: string, font: FontName, style: TextStyle): Run {
  let cache = widths.get(doc);
  if (!cache) {
    cache = new Map();
    widths.set(doc, cache);
  }
  const key = `${font}|${style.size}|${text}`;
  let width = cache.get(key);
  if (width === undefined) {
    doc.font(font).fontSize(style.size);
    width = doc.widthOfString(text, WHOLE_RUN);
    cache.set(key, width);
  }
  return { text, font, width };
}

const lineWidth = (runs: Run[]) => runs.reduce((sum, r) => sum + r.width, 0);

/** Greedy line breaking at spaces (explicit newlines kept); a word longer than the line stays whole. */
function wrap(doc: PDFKit.PDFDocument, text: string, width: number, style: TextStyle, direction: Direction): Run[][] {
  const lines: Run[][] = [];
  for (const paragraph of text.split('\n')) {
    const words = paragraph.split(/ +/).filter((w) => w !== '');
    if (words.length === 0) {
      lines.push([]);
      continue;
    }
    // Break by the sum of word widths (shaping does not cross spaces); lay out each line once.
    const space = measure(doc, ' ', fontFor(' ', style.bold), style).width;
    const wordWidth = (word: string) =>
      measure(doc, word.replace(INVISIBLE, ''), fontFor(word, style.bold), style).width;
    let current = words[0]!;
    let currentWidth = wordWidth(current);
    for (const word of words.slice(1)) {
      const next = wordWidth(word);
      if (currentWidth + space + next <= width) {
        current = `${current} ${word}`;
        currentWidth += space + next;
      } else {
        lines.push(visualRuns(doc, current, style, direction));
        current = word;
        currentWidth = next;
      }
    }
    lines.push(visualRuns(doc, current, style, direction));
  }
  return lines;
}

/**
 * Draws text of any script into the box starting at (x, y) with the given width: wrapped at spaces,
 * each line in bidi visual order, aligned (right for right-to-left text by default). Returns the y
 * below the last line. With `maxLines: 1` the line is shortened with an ellipsis when it does not fit.
 */
export function drawText(
  doc: PDFKit.PDFDocument,
  text: string,
  x: number,
  y: number,
  width: number,
  style: TextStyle & { maxLines?: number },
): number {
  const direction = style.direction ?? directionOf(text);
  const align = style.align ?? (direction === 'rtl' ? 'right' : 'left');
  let lines = wrap(doc, text, width, style, direction);
  if (style.maxLines !== undefined && lines.length > style.maxLines) {
    lines = lines.slice(0, style.maxLines);
  }
  if (style.maxLines === 1) lines = [fit(doc, text, width, style, direction)];
  doc.fontSize(style.size);
  const lineHeight = style.size * 1.25 + (style.lineGap ?? 0);
  let top = y;
  for (const runs of lines) {
    const total = lineWidth(runs);
    let left = align === 'left' ? x : align === 'right' ? x + width - total : x + (width - total) / 2;
    for (const run of runs) {
      doc
        .font(run.font)
        .fontSize(style.size)
        .fillColor(style.color ?? '#1d2733')
        .text(run.text, left, top + style.size * 0.95, { ...WHOLE_RUN, lineBreak: false, baseline: 'alphabetic' });
      left += run.width;
    }
    top += lineHeight;
  }
  return top;
}

/** One line that fits the width, shortened at the end (logical order) with an ellipsis. */
function fit(doc: PDFKit.PDFDocument, text: string, width: number, style: TextStyle, direction: Direction): Run[] {
  const chars = [...text.replace(/\n/g, ' ')];
  let runs = visualRuns(doc, chars.join(''), style, direction);
  while (lineWidth(runs) > width && chars.length > 1) {
    chars.pop();
    runs = visualRuns(doc, `${chars.join('').trimEnd()}…`, style, direction);
  }
  return runs;
}

/** The height `drawText` would use, without drawing. */
export function textHeight(doc: PDFKit.PDFDocument, text: string, width: number, style: TextStyle): number {
  const lines = wrap(doc, text, width, style, style.direction ?? directionOf(text));
  return lines.length * (style.size * 1.25 + (style.lineGap ?? 0));
}

/**
 * A QR code drawn as vector modules (sharp at any print size), white square with a 2-module quiet
 * zone included in `side`. ECC level M, as for the card.
 */
export function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, side: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const quiet = 2;
  const cell = side / (size + 2 * quiet);
  doc.save();
  doc.rect(x, y, side, side).fill('#ffffff');
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (qr.modules.get(row, col)) doc.rect(x + (col + quiet) * cell, y + (row + quiet) * cell, cell, cell);
    }
  }
  doc.fill('#000000');
  doc.restore();
}

type OpenedImage = { width: number; height: number };

/** pdfkit's own image reader (the one `doc.image` uses; @types/pdfkit does not declare it). */
function openImage(doc: PDFKit.PDFDocument, image: Buffer): OpenedImage {
  return (doc as unknown as { openImage(src: Buffer): OpenedImage }).openImage(image);
}

/**
 * The pixel size of a PNG or JPEG as pdfkit reads it, so an upload is accepted exactly when the PDFs
 * can embed it. Throws when pdfkit cannot read the image.
 */
export function imageSize(image: Buffer): { width: number; height: number } {
  const { doc } = createPdf({ autoFirstPage: false });
  const { width, height } = openImage(doc, image);
  return { width, height };
}
// pdfkit embeds an image once per document only when it is handed the opened image again (a Buffer
// is re-read and re-embedded on every call): 500 cards with a logo still carry one copy of it.
const openedImages = new WeakMap<PDFKit.PDFDocument, Map<Buffer, OpenedImage>>();

function opened(doc: PDFKit.PDFDocument, image: Buffer): OpenedImage {
  let cache = openedImages.get(doc);
  if (!cache) {
    cache = new Map();
    openedImages.set(doc, cache);
  }
  let found = cache.get(image);
  if (!found) {
    found = openImage(doc, image);
    cache.set(image, found);
  }
  return found;
}

/** The size a PNG (or JPEG) takes when scaled to fit the box with its aspect ratio kept. */
export function fitImage(
  doc: PDFKit.PDFDocument,
  image: Buffer,
  box: { width: number; height: number },
): { width: number; height: number } {
  const { width, height } = opened(doc, image);
  const scale = Math.min(box.width / width, box.height / height);
  return { width: width * scale, height: height * scale };
}

/**
 * Draws a PNG (or JPEG) scaled to fit the box, keeping its aspect ratio, aligned in the box
 * (horizontally by `align`, vertically centred). Returns the drawn width and height.
 */
export function drawImage(
  doc: PDFKit.PDFDocument,
  image: Buffer,
  x: number,
  y: number,
  box: { width: number; height: number; align?: 'left' | 'right' | 'center' },
): { width: number; height: number } {
  const { width, height } = fitImage(doc, image, box);
  const left = box.align === 'left' ? x : box.align === 'right' ? x + box.width - width : x + (box.width - width) / 2;
  doc.image(opened(doc, image) as unknown as Buffer, left, y + (box.height - height) / 2, { width, height });
  return { width, height };
}
