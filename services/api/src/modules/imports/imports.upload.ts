import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLarge } from '../../lib/problems.ts';
import type { CsvSource } from './imports.csv.ts';

/**
 * Writes an uploaded body to a temporary file as it arrives (the import reads the file more than
 * once: check, then write), refusing more than `limit` bytes with 413 `payload_too_large`. Returns a
 * `CsvSource` over the file and `remove()`, to be called when the import is done.
 */
export async function spoolUpload(
  body: NodeJS.ReadableStream,
  limit: number,
): Promise<{ source: CsvSource; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tk-import-'));
  const file = path.join(dir, 'upload.csv');
  const remove = () => rm(dir, { recursive: true, force: true });
  let bytes = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > limit) done(new PayloadTooLarge({ detail: `The file is larger than ${limit} bytes.` }));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(body, limiter, createWriteStream(file));
  } catch (err) {
    await remove();
    throw err;
  }
  // Read in the default 64 KiB pieces: larger reads left the process with more fragmented native memory
  // (the import reads the file three times; ADR 0038).
  return { source: () => createReadStream(file), remove };
}
