import { unwrapBlob } from '../api/client';

/**
 * Saves a file the API sent (SEPA XML, CSV, PDF). The API wants the bearer token, which a plain
 * `<a href>` cannot send: the caller fetches the file as a Blob through the API client, and this
 * hands it to the browser's download through a short-lived object URL.
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  anchor.style.display = 'none';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Revoke after the click has been handled; the download keeps its own reference.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The file name from a `Content-Disposition` header, or the fallback. */
export function filenameFrom(response: Response, fallback: string): string {
  const header = response.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star?.[1]) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain?.[1] ?? fallback;
}

/** Saves the file of a call made with `parseAs: 'blob'`; throws `ApiError` (German) if there is none. */
export async function saveDownload(
  result: { data?: unknown; error?: unknown; response: Response },
  fallbackName: string,
): Promise<void> {
  saveBlob(await unwrapBlob(result), filenameFrom(result.response, fallbackName));
}
