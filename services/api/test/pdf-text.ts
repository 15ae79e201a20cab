import { inflateSync } from 'node:zlib';

/**
 * The text drawn in a pdfkit PDF, one line per text-showing operator, in drawing order: content streams
 * are inflated, each `Tf` selects a font, and glyph codes are mapped back to Unicode through that
 * font's ToUnicode CMap (embedded fonts) or read as WinAnsi (standard fonts). Shaped Arabic comes back
 * in visual order, as drawn.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const objects = new Map<string, { dict: string; stream?: string }>();
  for (const m of raw.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const body = m[2]!;
    const at = body.indexOf('stream');
    if (at < 0) {
      objects.set(m[1]!, { dict: body });
      continue;
    }
    const dict = body.slice(0, at);
    const start = m.index + m[0].indexOf(body) + at + body.slice(at).match(/^stream\r?\n/)![0].length;
    const end = raw.indexOf('endstream', start);
    const bytes = pdf.subarray(start, end);
    let stream: string;
    try {
      stream = dict.includes('FlateDecode') ? inflateSync(bytes).toString('latin1') : bytes.toString('latin1');
    } catch {
      continue;
    }
    objects.set(m[1]!, { dict, stream });
  }
  // Resource name (F1 …) → font object → its ToUnicode map, if any.
  const maps = new Map<string, Map<number, string> | null>();
  for (const { dict } of objects.values()) {
    for (const m of dict.matchAll(/\/(F\d+) (\d+) 0 R/g)) {
      const font = objects.get(m[2]!)?.dict ?? '';
      const cmapRef = font.match(/\/ToUnicode (\d+) 0 R/)?.[1];
      maps.set(m[1]!, cmapRef ? parseCmap(objects.get(cmapRef)?.stream ?? '') : null);
    }
  }
  let text = '';
  for (const { dict, stream } of objects.values()) {
    if (!stream || dict.includes('/Length1') || dict.includes('CMapName') || stream.includes('begincmap')) continue;
    let map: Map<number, string> | null = null;
    for (const op of stream.matchAll(/\/(F\d+) [\d.]+ Tf|\[([^\]]*)\]\s*TJ/g)) {
      if (op[1]) {
        map = maps.get(op[1]) ?? null;
        continue;
      }
      for (const hex of op[2]!.matchAll(/<([0-9a-fA-F]*)>/g)) {
        const bytes = Buffer.from(hex[1]!, 'hex');
        if (!map) text += bytes.toString('latin1');
        else for (let i = 0; i + 1 < bytes.length; i += 2) text += map.get(bytes.readUInt16BE(i)) ?? '\uFFFD';
      }
      text += '\n';
    }
  }
  return text;
}

function parseCmap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const range of cmap.matchAll(/<([0-9a-f]+)> <[0-9a-f]+> \[([^\]]*)\]/gi)) {
    let code = Number.parseInt(range[1]!, 16);
    for (const entry of range[2]!.matchAll(/<([0-9a-f ]*)>/gi)) {
      const units = entry[1]!
        .split(' ')
        .filter(Boolean)
        .map((h) => Number.parseInt(h, 16));
      map.set(code++, String.fromCharCode(...units));
    }
  }
  return map;
}
