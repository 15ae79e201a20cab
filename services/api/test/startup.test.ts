import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, testConfig } from '../src/config.ts';
import { generateJwk, loadKeyRings } from '../src/lib/keys.ts';
import { readyBanner } from '../src/lib/ready-banner.ts';
import { DEMO_PASSWORD, DEMO_USERS } from '../src/seed/demo.ts';

const scratch = () => mkdtempSync(path.join(tmpdir(), 'tk-keys-'));
const publicKey = async (ring: Awaited<ReturnType<typeof loadKeyRings>>['card']) =>
  (await exportJWK(ring.verifiers.get(ring.signer.kid)!)).x;

describe('signing keys without ACCESS_TOKEN_KEYS / CARD_TOKEN_KEYS', () => {
  it('are generated once into KEYS_DIR (mode 0600) and read back on the next start', async () => {
    const dir = path.join(scratch(), 'keys');
    const first = await loadKeyRings(testConfig({ keysDir: dir }));
    expect(first.generatedFile).toBe(path.join(dir, 'keys.json'));
    expect(statSync(first.generatedFile!).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['keys.json']);

    const again = await loadKeyRings(testConfig({ keysDir: dir }));
    expect(again.generatedFile).toBeUndefined();
    expect(again.card.signer.kid).toBe(first.card.signer.kid);
    expect(await publicKey(again.card)).toBe(await publicKey(first.card));
    expect(await publicKey(again.access)).toBe(await publicKey(first.access));
  });

  it('replicas starting together on an empty volume end up with one and the same key set', async () => {
    const dir = scratch();
    const rings = await Promise.all(Array.from({ length: 6 }, () => loadKeyRings(testConfig({ keysDir: dir }))));
    expect(rings.filter((r) => r.generatedFile).length).toBe(1);
    const cardKeys = new Set(await Promise.all(rings.map((r) => publicKey(r.card))));
    const accessKeys = new Set(await Promise.all(rings.map((r) => publicKey(r.access))));
    expect(cardKeys.size).toBe(1);
    expect(accessKeys.size).toBe(1);
    const stored = JSON.parse(readFileSync(path.join(dir, 'keys.json'), 'utf8'));
    expect(stored.card[0].x).toBe([...cardKeys][0]);
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });

  it('keys from the environment win; the file supplies only what is missing', async () => {
    const dir = scratch();
    const access = await generateJwk('acc-env');
    const rings = await loadKeyRings(testConfig({ keysDir: dir, accessTokenKeys: JSON.stringify([access]) }));
    expect(rings.access.signer.kid).toBe('acc-env');
    expect(rings.card.signer.kid).toMatch(/^card-\d{8}$/);

    const both = await loadKeyRings(
      testConfig({
        keysDir: scratch(),
        accessTokenKeys: JSON.stringify([access]),
        cardTokenKeys: JSON.stringify([await generateJwk('card-env')]),
      }),
    );
    expect(both.generatedFile).toBeUndefined();
  });

  it('an unreadable key file stops the start instead of replacing the keys', async () => {
    const dir = scratch();
    await loadKeyRings(testConfig({ keysDir: dir }));
    writeFileSync(path.join(dir, 'keys.json'), '{ not json');
    await expect(loadKeyRings(testConfig({ keysDir: dir }))).rejects.toThrow(/cannot read the signing keys/);
    expect(readFileSync(path.join(dir, 'keys.json'), 'utf8')).toBe('{ not json');
  });
});

describe('production configuration', () => {
  const base = { NODE_ENV: 'production', DATABASE_URL: 'postgres://tk@db:5432/tk' };

  it('needs keys from the environment or an explicit KEYS_DIR; DATA_DIR alone is not enough', () => {
    expect(() => loadConfig({ ...base, DATA_DIR: '/data' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base })).toThrow(/CARD_TOKEN_KEYS is required in production \(or KEYS_DIR\)/);
    expect(loadConfig({ ...base, KEYS_DIR: '/var/lib/teilhabekarte/keys' }).keysDir).toBe(
      '/var/lib/teilhabekarte/keys',
    );
    expect(loadConfig({ ...base, ACCESS_TOKEN_KEYS: '[]', CARD_TOKEN_KEYS: '[]' }).env).toBe('production');
  });

  it('still needs DATABASE_URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', KEYS_DIR: '/keys' })).toThrow(/DATABASE_URL is required/);
  });

  it('outside production keys live in DATA_DIR unless KEYS_DIR says otherwise', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/tk' }).keysDir).toBe('/tmp/tk');
    expect(loadConfig({ DATA_DIR: '/tmp/tk', KEYS_DIR: '/tmp/keys' }).keysDir).toBe('/tmp/keys');
  });
});

describe('ready banner of `pnpm start`', () => {
  it('says where to open the UI and lists every demo user with the demo password', () => {
    const text = readyBanner(testConfig({ host: '0.0.0.0', port: 3000, seed: 'demo' }), 'pglite');
    expect(text).toContain('http://localhost:3000');
    expect(text).toContain('http://localhost:3000/docs');
    expect(text).toContain(DEMO_PASSWORD);
    for (const user of DEMO_USERS) expect(text).toMatch(new RegExp(`\\b${user.username}\\b`));
    expect(text.trim().split('\n').length).toBeLessThanOrEqual(10);
  });

  it('names no demo users when the demo seed is not in use', () => {
    const text = readyBanner(testConfig({ host: '127.0.0.1', port: 3100, seed: 'none' }), 'postgres');
    expect(text).toContain('http://127.0.0.1:3100');
    expect(text).not.toContain(DEMO_PASSWORD);
    expect(text).not.toMatch(/\bsachbearbeitung\b/);
  });
});
