/**
 * QR decoding with jsQR (pure JavaScript, no network, no WASM): from camera frames and from a photo
 * chosen with "Bild wählen". jsQR is loaded on first use, so only terminal users download it.
 */
export type QrDecoder = (image: ImageData, thorough?: boolean) => string | null;

let decoder: Promise<QrDecoder> | undefined;

export function loadQrDecoder(): Promise<QrDecoder> {
  decoder ??= import('jsqr').then(({ default: jsQR }) => (image: ImageData, thorough = false) => {
    const result = jsQR(image.data, image.width, image.height, {
      inversionAttempts: thorough ? 'attemptBoth' : 'dontInvert',
    });
    return result?.data ? result.data : null;
  });
  return decoder;
}

/** Decodes a QR code from an image file, trying a few sizes (phone photos are large). */
export async function decodeQrFromFile(file: Blob): Promise<string | null> {
  const decodeImageData = await loadQrDecoder();
  const bitmap = await createImageBitmap(file);
  try {
    const longest = Math.max(bitmap.width, bitmap.height);
    const sizes = [...new Set([Math.min(longest, 1600), Math.min(longest, 1000), Math.min(longest, 600)])];
    for (const size of sizes) {
      const scale = size / longest;
      const width = Math.max(1, Math.round(bitmap.width * scale));
      const height = Math.max(1, Math.round(bitmap.height * scale));
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) return null;
      ctx.drawImage(bitmap, 0, 0, width, height);
      const text = decodeImageData(ctx.getImageData(0, 0, width, height), true);
      if (text) return text;
    }
    return null;
  } finally {
    bitmap.close();
  }
}
