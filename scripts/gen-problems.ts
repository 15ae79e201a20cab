import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { problemCatalogue } from '@tk/core';

/**
 * Writes docs/api/problems.md from the problem catalogue: every problem class the API defines
 * (`defineProblem` in packages/core; each code exactly once). Loading the app loads every module and
 * with it every definition. `--check` fails when the committed file is stale (CI).
 */
await import('@tk/api');
const out = fileURLToPath(new URL('../docs/api/problems.md', import.meta.url));
const rows = problemCatalogue();
const text = `# Problem codes

Every error of the API is \`application/problem+json\` (RFC 9457, ADR 0002):

\`\`\`json
{ "type": "https://teilhabekarte.de/problems/insufficient-budget", "title": "Conflict", "status": 409,
  "code": "insufficient_budget", "detail": "…a sentence a person can act on…", "requestId": "…" }
\`\`\`

Clients switch on \`code\` (stable, snake_case); \`type\` is the same code as a URI slug. Validation errors
(\`validation_failed\`) add \`errors: [{ "pointer": "/field", "detail": "…" }]\`. 5xx answers are always
\`internal_error\` with the details only in the server log (found by \`requestId\`). Across providers a 404
hides a 403. Each code is defined once in the source (\`defineProblem\`, in a module's \`*.errors.ts\` or in
\`services/api/src/lib/problems.ts\`); this list is generated from those definitions:
\`pnpm --filter @tk/scripts exec tsx gen-problems.ts\`.

| code | status | title |
|---|---|---|
${rows.map((p) => `| \`${p.code}\` | ${p.status} | ${p.title} |`).join('\n')}
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
