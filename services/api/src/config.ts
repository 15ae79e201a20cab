import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_PASSWORD_HASH_COST } from './lib/password.ts';

/**
 * The only reader of `process.env`: one zod schema, parsed once at start. Unknown variables are
 * ignored; a bad value stops the process with a message naming the variable.
 */
const booleanish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** One proxy address or CIDR range (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/**
 * `false` (default) or a comma-separated list of trusted proxies; `X-Forwarded-For` is honoured only
 * from them (Fastify's `trustProxy` takes the list). `true` (trust everyone) is accepted outside
 * production only: with it, any client sets its own address and escapes the per-address throttles.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): boolean | string[] => {
    if (['false', '0', 'no', ''].includes(v)) return false;
    if (['true', '1', 'yes'].includes(v)) return true;
    const entries = v.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !isAddressOrCidr(e));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `not an address or CIDR range: ${bad.join(', ')}` });
      return z.NEVER;
    }
    return entries;
  });

const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATA_DIR: z.string().min(1).default('./.data'),
    /**
     * Where signing keys are generated once and then read, when ACCESS_TOKEN_KEYS / CARD_TOKEN_KEYS are not
     * set (default DATA_DIR). In production only a persistent directory shared by every replica will do.
     */
    KEYS_DIR: z.string().min(1).optional(),
    SEED: z.enum(['demo', 'none']).optional(),
    BOOTSTRAP_ADMIN_USERNAME: z.string().min(3).max(64).optional(),
    BOOTSTRAP_ADMIN_PASSWORD: z.string().min(12).max(128).optional(),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
    /** Declined bookings of one card at one provider per day before every further one is 429 (decline oracle). */
    DECLINES_PER_CARD_PER_DAY: z.coerce.number().int().positive().default(10),
    /** Invalid or unknown card codes one terminal user may send per 10 minutes before every lookup is 429. */
    CODE_MISSES_PER_USER: z.coerce.number().int().positive().default(10),
    /** The same for all users of one provider together (staff accounts cannot add up guessing allowances). */
    CODE_MISSES_PER_PROVIDER: z.coerce.number().int().positive().default(30),
    /** Failed logins of one username (from any address) within the window before every login of it gets 429. */
    LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().max(100).default(10),
    /** Failed logins from one address (any usernames) within the window before it gets 429. */
    LOGIN_FAILURES_PER_ADDRESS: z.coerce.number().int().positive().default(30),
    LOGIN_WINDOW_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    /** scrypt cost of new password hashes, log2 N (15: N = 32768). Lower than the default only outside production. */
    PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(17).default(DEFAULT_PASSWORD_HASH_COST),
    /** JSON array of Ed25519 JWKs. The first with a private part signs; the others only verify; a removed key is retired. */
    ACCESS_TOKEN_KEYS: z.string().optional(),
    CARD_TOKEN_KEYS: z.string().optional(),
    /** Keys that sign period proofs for the audit office (GET /reports/period-proof), published at /.well-known/jwks.json. */
    PROOF_SIGNING_KEYS: z.string().optional(),
    ACCESS_TOKEN_TTL_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    TRUST_PROXY: trustProxy.default(false),
    /** Bearer token Prometheus sends to `GET /metrics`; unset = `/metrics` answers 404. */
    METRICS_TOKEN: z.string().min(16).optional(),
    /** Nightly settlement schedule (cron, Europe/Berlin). */
    SETTLEMENT_CRON: z.string().min(9).default('0 2 * * *'),
    SCHEDULER: booleanish.default(true),
    SERVE_WEB: booleanish.default(true),
    /** Where families reach the web UI (QR codes and links in card letters), without trailing slash. */
    PUBLIC_URL: z
      .url({ protocol: /^https?$/ })
      .default('http://localhost:3000')
      .transform((u) => u.replace(/\/+$/, '')),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      if (!env.DATABASE_URL) {
        ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'DATABASE_URL is required in production' });
      }
      // Keys from the secret store, or generated once into a shared, persistent KEYS_DIR (docs/operations.md).
      for (const key of ['ACCESS_TOKEN_KEYS', 'CARD_TOKEN_KEYS', 'PROOF_SIGNING_KEYS'] as const) {
        if (!env[key] && !env.KEYS_DIR) {
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required in production (or KEYS_DIR)` });
        }
      }
      if (env.PASSWORD_HASH_COST < DEFAULT_PASSWORD_HASH_COST) {
        const message = `PASSWORD_HASH_COST must be at least ${DEFAULT_PASSWORD_HASH_COST} in production`;
        ctx.addIssue({ code: 'custom', path: ['PASSWORD_HASH_COST'], message });
      }
    }
    if (env.NODE_ENV === 'production' && env.TRUST_PROXY === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRUST_PROXY'],
        message: 'TRUST_PROXY=true is refused in production; list the proxy addresses or CIDR ranges',
      });
    }
    if (Boolean(env.BOOTSTRAP_ADMIN_USERNAME) !== Boolean(env.BOOTSTRAP_ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['BOOTSTRAP_ADMIN_PASSWORD'],
        message: 'BOOTSTRAP_ADMIN_USERNAME and BOOTSTRAP_ADMIN_PASSWORD go together',
      });
    }
  });

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  keysDir: string;
  seed: 'demo' | 'none';
  bootstrapAdmin: { username: string; password: string } | undefined;
  rateLimitPerMinute: number;
  declinesPerCardPerDay: number;
  codeMisses: { perUser: number; perProvider: number; windowMinutes: number };
  login: { failuresPerAccount: number; failuresPerAddress: number; windowMinutes: number };
  passwordHashCost: number;
  accessTokenKeys: string | undefined;
  cardTokenKeys: string | undefined;
  proofSigningKeys: string | undefined;
  accessTokenTtlMinutes: number;
  logLevel: string;
  requestTimeoutMs: number;
  trustProxy: boolean | string[];
  metricsToken: string | undefined;
  settlementCron: string;
  scheduler: boolean;
  serveWeb: boolean;
  publicUrl: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    keysDir: e.KEYS_DIR ?? e.DATA_DIR,
    // Demo data by default only on the embedded database; a server database starts empty.
    seed: e.SEED ?? (e.DATABASE_URL ? 'none' : 'demo'),
    bootstrapAdmin:
      e.BOOTSTRAP_ADMIN_USERNAME && e.BOOTSTRAP_ADMIN_PASSWORD
        ? { username: e.BOOTSTRAP_ADMIN_USERNAME, password: e.BOOTSTRAP_ADMIN_PASSWORD }
        : undefined,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    declinesPerCardPerDay: e.DECLINES_PER_CARD_PER_DAY,
    codeMisses: { perUser: e.CODE_MISSES_PER_USER, perProvider: e.CODE_MISSES_PER_PROVIDER, windowMinutes: 10 },
    login: {
      failuresPerAccount: e.LOGIN_FAILURES_PER_ACCOUNT,
      failuresPerAddress: e.LOGIN_FAILURES_PER_ADDRESS,
      windowMinutes: e.LOGIN_WINDOW_MINUTES,
    },
    passwordHashCost: e.PASSWORD_HASH_COST,
    accessTokenKeys: e.ACCESS_TOKEN_KEYS,
    cardTokenKeys: e.CARD_TOKEN_KEYS,
    proofSigningKeys: e.PROOF_SIGNING_KEYS,
    accessTokenTtlMinutes: e.ACCESS_TOKEN_TTL_MINUTES,
    logLevel: e.LOG_LEVEL,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    trustProxy: e.TRUST_PROXY,
    metricsToken: e.METRICS_TOKEN,
    settlementCron: e.SETTLEMENT_CRON,
    scheduler: e.SCHEDULER,
    serveWeb: e.SERVE_WEB,
    publicUrl: e.PUBLIC_URL,
  };
}

/** A config for tests and tools: defaults plus overrides, no environment read. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SCHEDULER: 'false', SERVE_WEB: 'false' }),
    ...overrides,
  };
}
