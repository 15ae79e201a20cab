import { z } from 'zod';
import { DEFAULT_PASSWORD_HASH_COST } from './lib/password.ts';

/**
 * The only reader of `process.env`: one zod schema, parsed once at start. Unknown variables are
 * ignored; a bad value stops the process with a message naming the variable.
 */
const booleanish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATA_DIR: z.string().min(1).default('./.data'),
    SEED: z.enum(['demo', 'none']).optional(),
    BOOTSTRAP_ADMIN_USERNAME: z.string().min(3).max(64).optional(),
    BOOTSTRAP_ADMIN_PASSWORD: z.string().min(12).max(128).optional(),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
    LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(10),
    /** scrypt cost of new password hashes, log2 N (15: N = 32768). Lower than the default only outside production. */
    PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(17).default(DEFAULT_PASSWORD_HASH_COST),
    /** JSON array of Ed25519 JWKs. The first with a private part signs; the others only verify; a removed key is retired. */
    ACCESS_TOKEN_KEYS: z.string().optional(),
    CARD_TOKEN_KEYS: z.string().optional(),
    ACCESS_TOKEN_TTL_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    TRUST_PROXY: booleanish.default(false),
    /** Nightly settlement schedule (cron, Europe/Berlin). */
    SETTLEMENT_CRON: z.string().min(9).default('0 2 * * *'),
    SCHEDULER: booleanish.default(true),
    SERVE_WEB: booleanish.default(true),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      for (const key of ['ACCESS_TOKEN_KEYS', 'CARD_TOKEN_KEYS', 'DATABASE_URL'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required in production` });
      }
      if (env.PASSWORD_HASH_COST < DEFAULT_PASSWORD_HASH_COST) {
        const message = `PASSWORD_HASH_COST must be at least ${DEFAULT_PASSWORD_HASH_COST} in production`;
        ctx.addIssue({ code: 'custom', path: ['PASSWORD_HASH_COST'], message });
      }
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
  seed: 'demo' | 'none';
  bootstrapAdmin: { username: string; password: string } | undefined;
  rateLimitPerMinute: number;
  loginRateLimitPerMinute: number;
  passwordHashCost: number;
  accessTokenKeys: string | undefined;
  cardTokenKeys: string | undefined;
  accessTokenTtlMinutes: number;
  logLevel: string;
  requestTimeoutMs: number;
  trustProxy: boolean;
  settlementCron: string;
  scheduler: boolean;
  serveWeb: boolean;
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
    // Demo data by default only on the embedded database; a server database starts empty.
    seed: e.SEED ?? (e.DATABASE_URL ? 'none' : 'demo'),
    bootstrapAdmin:
      e.BOOTSTRAP_ADMIN_USERNAME && e.BOOTSTRAP_ADMIN_PASSWORD
        ? { username: e.BOOTSTRAP_ADMIN_USERNAME, password: e.BOOTSTRAP_ADMIN_PASSWORD }
        : undefined,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
    passwordHashCost: e.PASSWORD_HASH_COST,
    accessTokenKeys: e.ACCESS_TOKEN_KEYS,
    cardTokenKeys: e.CARD_TOKEN_KEYS,
    accessTokenTtlMinutes: e.ACCESS_TOKEN_TTL_MINUTES,
    logLevel: e.LOG_LEVEL,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    trustProxy: e.TRUST_PROXY,
    settlementCron: e.SETTLEMENT_CRON,
    scheduler: e.SCHEDULER,
    serveWeb: e.SERVE_WEB,
  };
}

/** A config for tests and tools: defaults plus overrides, no environment read. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SCHEDULER: 'false', SERVE_WEB: 'false' }),
    ...overrides,
  };
}
