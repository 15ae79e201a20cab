import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import type { Clock } from '@tk/core';
import { cityLogos, type DbOrTx } from '@tk/db';
import { eq } from 'drizzle-orm';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { type Actor, audit } from '../../lib/audit.ts';
import { imageSize } from '../../lib/pdf.ts';
import { LogoTooLarge, LogoUnsupported } from './catalogue.errors.ts';

/**
 * The city's logo (issue 11, item 8): an admin uploads a PNG or an SVG; the card, the card letter and
 * the Gutschrift print it. pdfkit embeds PNG and JPEG only, so an SVG is rendered once, at upload, to a
 * PNG by resvg (a Rust SVG renderer without scripting or network access), and the PDFs embed that PNG.
 * An SVG is refused before rendering when it carries anything active or external (scripts, event
 * handlers, foreign objects, links to other files, DOCTYPE/entities), so the stored file is also safe
 * to show in the admin's preview.
 */
export const LOGO_MAX_BYTES = 512 * 1024;
export const LOGO_MAX_PX = 4000;
export const LOGO_MIN_PX = 16;
/** Height of the PNG rendered from an SVG: ≥ 600 dpi at the largest printed size (about 20 mm). */
const SVG_RENDER_HEIGHT_PX = 480;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FORBIDDEN_ELEMENTS = new Set(['script', 'foreignobject', 'iframe', 'embed', 'object', 'image', 'audio', 'video']);

export interface CityLogoInfo {
  contentType: 'image/png' | 'image/svg+xml';
  widthPx: number;
  heightPx: number;
  bytes: number;
  updatedAt: string;
}

function checkPixels(width: number, height: number): void {
  if (width > LOGO_MAX_PX || height > LOGO_MAX_PX) {
    throw new LogoTooLarge(
      `The logo is ${width} × ${height} pixels; at most ${LOGO_MAX_PX} × ${LOGO_MAX_PX} are allowed.`,
    );
  }
  if (width < LOGO_MIN_PX || height < LOGO_MIN_PX) {
    throw new LogoUnsupported(
      `The logo is ${width} × ${height} pixels; at least ${LOGO_MIN_PX} × ${LOGO_MIN_PX} are needed.`,
    );
  }
}

/** PNG: parsed by pdfkit itself, so what is accepted is exactly what the PDFs can embed. */
function readPng(bytes: Buffer): { width: number; height: number } {
  try {
    return imageSize(bytes);
  } catch {
    throw new LogoUnsupported('The PNG file could not be read.');
  }
}

const svgParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true });

/** Walks the parsed SVG and throws on anything active or external. */
function checkSvgNode(nodes: unknown[]): void {
  for (const node of nodes as Record<string, unknown>[]) {
    for (const [key, value] of Object.entries(node)) {
      if (key === ':@') {
        for (const [attr, attrValue] of Object.entries(value as Record<string, string>)) {
          const name = attr.toLowerCase();
          const text = String(attrValue).trim().toLowerCase();
          if (name.startsWith('on')) throw new LogoUnsupported('The SVG contains an event handler.');
          if ((name === 'href' || name.endsWith(':href')) && !text.startsWith('#')) {
            throw new LogoUnsupported('The SVG links to another file; embed everything in the SVG itself.');
          }
          if (/url\(\s*['"]?(?!#)/.test(text) || text.includes('@import')) {
            throw new LogoUnsupported('The SVG links to another file; embed everything in the SVG itself.');
          }
        }
        continue;
      }
      if (FORBIDDEN_ELEMENTS.has(key.toLowerCase())) {
        throw new LogoUnsupported(`The SVG contains a <${key}> element, which a logo may not contain.`);
      }
      if (key === '#text' || key === '?xml') continue;
      if (Array.isArray(value)) checkSvgNode(value);
    }
  }
}

function renderSvg(bytes: Buffer): { png: Buffer; width: number; height: number } {
  const text = bytes.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new LogoUnsupported('The SVG may not contain a DOCTYPE or entities.');
  if (XMLValidator.validate(text) !== true) throw new LogoUnsupported('The SVG file is not well-formed XML.');
  const tree = svgParser.parse(text) as Record<string, unknown>[];
  const root = tree.find((n) => !('?xml' in n) && !('#comment' in n));
  if (!root || !('svg' in root)) throw new LogoUnsupported();
  checkSvgNode(tree);
  let resvg: Resvg;
  try {
    resvg = new Resvg(text, { font: { loadSystemFonts: false, fontFiles: svgFonts() } });
  } catch {
    throw new LogoUnsupported('The SVG file could not be rendered.');
  }
  const width = Math.round(resvg.width);
  const height = Math.round(resvg.height);
  checkPixels(width, height);
  const scaled = new Resvg(text, {
    fitTo: { mode: 'height', value: SVG_RENDER_HEIGHT_PX },
    font: { loadSystemFonts: false, fontFiles: svgFonts() },
  });
  return { png: scaled.render().asPng(), width, height };
}

const require = createRequire(import.meta.url);
/** Text in an SVG logo is drawn with the same Noto Sans the PDFs embed (no system fonts are read). */
function svgFonts(): string[] {
  return [
    require.resolve('@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf'),
    require.resolve('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf'),
  ];
}

/**
 * Stores the city's logo (replacing the previous one), audited. The type is decided by the content
 * (PNG signature or an `<svg>` root), not by the declared media type. 400 `logo_unsupported` (neither
 * PNG nor SVG, unreadable, active or external SVG content), 400 `logo_too_large` (more than 512 KiB or
 * more than 4000 pixels on a side).
 */
export async function setCityLogo(db: DbOrTx, bytes: Buffer, actor: Actor, clock: Clock): Promise<CityLogoInfo> {
  if (bytes.length === 0) throw new LogoUnsupported('The file is empty.');
  if (bytes.length > LOGO_MAX_BYTES) {
    throw new LogoTooLarge(
      `The logo has ${Math.ceil(bytes.length / 1024)} KiB; at most ${LOGO_MAX_BYTES / 1024} KiB are allowed.`,
    );
  }
  let row: typeof cityLogos.$inferInsert;
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    const { width, height } = readPng(bytes);
    checkPixels(width, height);
    row = { contentType: 'image/png', original: bytes, png: bytes, widthPx: width, heightPx: height };
  } else if (
    /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/.test(
      bytes
        .subarray(0, 4096)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    )
  ) {
    const { png, width, height } = renderSvg(bytes);
    row = { contentType: 'image/svg+xml', original: bytes, png, widthPx: width, heightPx: height };
  } else {
    throw new LogoUnsupported();
  }
  const updatedAt = clock.now();
  await db.transaction(async (tx) => {
    await tx
      .insert(cityLogos)
      .values({ id: 1, ...row, updatedAt })
      .onConflictDoUpdate({ target: cityLogos.id, set: { ...row, updatedAt } });
    await audit(tx, actor, {
      action: 'city_logo.updated',
      entityType: 'city_settings',
      entityId: '1',
      data: { contentType: row.contentType, bytes: bytes.length, widthPx: row.widthPx, heightPx: row.heightPx },
    });
  });
  return {
    contentType: row.contentType,
    widthPx: row.widthPx,
    heightPx: row.heightPx,
    bytes: bytes.length,
    updatedAt: updatedAt.toISOString(),
  };
}

/** The logo as uploaded (for the preview), or null. */
export async function getCityLogo(db: DbOrTx): Promise<{ contentType: string; original: Buffer } | null> {
  const [row] = await db
    .select({ contentType: cityLogos.contentType, original: cityLogos.original })
    .from(cityLogos)
    .where(eq(cityLogos.id, 1));
  return row ?? null;
}

/** The PNG the PDFs embed, or null when the city has no logo. */
export async function cityLogoPng(db: DbOrTx): Promise<Buffer | null> {
  const [row] = await db.select({ png: cityLogos.png }).from(cityLogos).where(eq(cityLogos.id, 1));
  return row?.png ?? null;
}

/** Removes the logo (the documents fall back to the city's initial); audited. */
export async function deleteCityLogo(db: DbOrTx, actor: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(cityLogos).where(eq(cityLogos.id, 1));
    await audit(tx, actor, { action: 'city_logo.deleted', entityType: 'city_settings', entityId: '1' });
  });
}
