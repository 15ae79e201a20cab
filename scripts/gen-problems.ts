import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Writes docs/api/problems.md: every problem `code` the API can answer with, its status, title and the
 * area that raises it, read from the source (Problem constructors, notFound helpers, the framework map).
 * `--check` fails when the committed file is stale (CI).
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const srcDir = path.join(root, 'services/api/src');
const out = path.join(root, 'docs/api/problems.md');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

const problems = new Map<string, { status: number; title: string; areas: Set<string> }>();
const add = (code: string, status: number, title: string, area: string) => {
  const entry = problems.get(code) ?? { status, title, areas: new Set<string>() };
  entry.areas.add(area);
  problems.set(code, entry);
};

for (const file of files(srcDir)) {
  const text = readFileSync(file, 'utf8');
  const rel = path.relative(srcDir, file);
  const area = rel.startsWith('modules/')
    ? rel.split('/')[1]!
    : rel.startsWith('plugins/')
      ? 'platform'
      : path.dirname(rel);
  for (const m of text.matchAll(/status:\s*(\d{3}),\s*code:\s*'([a-z_]+)',\s*title:\s*'([^']+)'/g))
    add(m[2]!, Number(m[1]), m[3]!, area);
  for (const m of text.matchAll(/code:\s*'([a-z_]+)',\s*status:\s*(\d{3}),\s*title:\s*'([^']+)'/g))
    add(m[1]!, Number(m[2]), m[3]!, area);
  for (const m of text.matchAll(/notFound\(\s*'[^']*',\s*'([a-z_]+)'\s*\)/g)) add(m[1]!, 404, 'Not found', area);
  for (const m of text.matchAll(/(\d{3}): \['([a-z_]+)', '([^']+)'\]/g)) add(m[2]!, Number(m[1]), m[3]!, 'platform');
  for (const m of text.matchAll(/code: '([a-z_]+)',\s*\n?\s*title: '([^']+)',\s*\n?\s*status: (\d{3})/g))
    add(m[1]!, Number(m[3]), m[2]!, area);
}
add('not_ready', 503, 'Not ready', 'health');

const rows = [...problems.entries()].sort(([a, x], [b, y]) => x.status - y.status || a.localeCompare(b));
const text = `# Problem codes

Every error of the API is \`application/problem+json\` (RFC 9457, ADR 0002):

\`\`\`json
{ "type": "https://teilhabekarte.de/problems/insufficient-budget", "title": "Conflict", "status": 409,
  "code": "insufficient_budget", "detail": "…a sentence a person can act on…", "requestId": "…" }
\`\`\`

Clients switch on \`code\` (stable, snake_case); \`type\` is the same code as a URI slug. Validation errors
(\`validation_failed\`) add \`errors: [{ "pointer": "/field", "detail": "…" }]\`. 5xx answers are always
\`internal_error\` with the details only in the server log (found by \`requestId\`). Across providers a 404
hides a 403. This list is generated from the source: \`pnpm --filter @tk/scripts exec tsx gen-problems.ts\`.

| code | status | title | raised by |
|---|---|---|---|
${rows.map(([code, p]) => `| \`${code}\` | ${p.status} | ${p.title} | ${[...p.areas].sort().join(', ')} |`).join('\n')}
`;

if (process.argv.includes('--check')) {
  const current = (() => {
    try {
      return readFileSync(out, 'utf8');
    } catch {
      return '';
    }
  })();
  if (current !== text) {
    console.error('docs/api/problems.md is stale: run `pnpm --filter @tk/scripts exec tsx gen-problems.ts`');
    process.exit(1);
  }
  console.log(`problems.md up to date (${rows.length} codes)`);
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out} (${rows.length} codes)`);
}
