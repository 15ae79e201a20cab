import path from 'node:path';
import type { Config } from '../config.ts';
import { DEMO_PASSWORD, DEMO_USERS } from '../seed/demo.ts';

/**
 * What `pnpm start` prints once the server listens: where to open the UI and, when the demo seed is in use,
 * which demo users exist (README). Production logs one JSON line instead (server.ts).
 */
export function readyBanner(config: Config, database: 'pglite' | 'postgres', port = config.port): string {
  const url = publicUrl(config, port);
  const lines = [
    '',
    `  Teilhabekarte is ready: ${url}   (API docs: ${url}/docs)`,
    `  Database: ${database === 'pglite' ? `embedded PGlite in ${path.resolve(config.dataDir)}` : 'PostgreSQL'}`,
  ];
  if (config.seed === 'demo') {
    const byRole = new Map<string, string[]>();
    for (const user of DEMO_USERS) byRole.set(user.role, [...(byRole.get(user.role) ?? []), user.username]);
    lines.push(`  Demo users (password ${DEMO_PASSWORD}):`);
    for (const [role, usernames] of byRole) lines.push(`    ${role.padEnd(16)}${usernames.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The address a person opens (`port`: the one bound, e.g. for PORT=0); a wildcard host is reached as localhost. */
export function publicUrl(config: Config, port = config.port): string {
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
