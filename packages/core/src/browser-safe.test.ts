import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The web UI bundles @tk/core as it is (no shims): core may use only what Node and browsers share,
// e.g. Web Crypto through `globalThis.crypto`, never a `node:` module.
const dir = new URL('./', import.meta.url);
const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

describe('core runs in the browser', () => {
  it.each(sources)('%s imports no node: module', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    expect(text).not.toMatch(/from ['"]node:|import\(['"]node:|require\(['"]node:/);
  });
});
