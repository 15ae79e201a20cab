import jsQR from 'jsqr';

/**
 * QR decoding with jsQR (pure JavaScript, no network, no WASM): from camera frames and from a photo
 * chosen with "Bild wählen". Returns the QR text or null.
 */
export function decodeImageData(image: ImageData, thorough = false): string | null {
  const result = jsQR(image.data, image.width, image.height, {
    inversionAttempts: thorough ? 'attemptBoth' : 'dontInvert',
  });
  return result?.data ? result.data : null;
}

/** Decodes a QR code from an image file, trying a few sizes (phone photos are large). */
export async function decodeQrFromFile(file: Blob): Promise<string | null> {
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
