import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resourceUsage } from 'node:process';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { systemActor } from '@tk/api/lib/audit.ts';
import { generateKeyRings } from '@tk/api/lib/keys.ts';
import { signAccessToken } from '@tk/api/lib/tokens.ts';
import type { ImportJob } from '@tk/api/modules/imports/imports.schemas.ts';
import { runImport } from '@tk/api/modules/imports/imports.service.ts';
import { fixedClock, systemClock } from '@tk/core';
import { scratchDatabase } from '../proofs/harness.ts';

import { SERVER_NODE_FLAGS, startReal, stop } from './redeem.ts';
import { machineLine, writeBenchmarkSection } from './report.ts';

/**
 * `pnpm bench import [--children 50000] [--per-child 1] [--chunk 1000]`: the bulk CSV import (ADR 0009)
 * of N children with approvals, cards issued, into a scratch database on the PostgreSQL server
 * (BENCH_DATABASE_URL, default the local server), dropped afterwards. Times the dry run, the import
 * and the re-import of the same file; peak memory from RSS sampling and the OS's maxRSS.
 *
 * The measured process: by default this one (the service runs in process, started with the server's
 * node flags by `pnpm bench`). With `--server` the compiled server (`pnpm --filter @tk/api build`) runs
 * as `pnpm start` does, the file is uploaded to `POST /api/v1/imports?async=true` (progress polled) and
 * the server's RSS is read from /proc every 25 ms (VmHWM at the end); its section is `import-server`.
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      children: { type: 'string', default: '50000' },
      'per-child': { type: 'string', default: '1' },
      chunk: { type: 'string', default: '1000' },
      server: { type: 'boolean', default: false },
    },
  });
  const childCount = Number(values.children);
  const perChild = Number(values['per-child']);
  const chunkSize = Number(values.chunk);
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  // A migrated scratch database of its own, dropped at the end.
  const scratch = await scratchDatabase(serverUrl, `${process.env.BENCH_DATABASE_PREFIX ?? 'tk_'}bench_import`, {
    poolSize: 4,
  });
  const database = scratch.database;

  let dir: string | undefined;
  if (values.server) return viaServer(scratch, childCount, perChild);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 25);
  // Each step's own peak too (the highest RSS sampled while it ran), in MiB.
  const stepPeaks: number[] = [];
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const before = peakRss;
    peakRss = process.memoryUsage().rss;
    const result = await fn();
    stepPeaks.push(peakRss / 2 ** 20);
    peakRss = Math.max(before, peakRss);
    return [result, (performance.now() - start) / 1000];
  };
  try {
    const keys = await generateKeyRings();
    const baselineMiB = process.memoryUsage().rss / 2 ** 20;
    await seedProviders(database);
    dir = mkdtempSync(path.join(tmpdir(), 'tk-bench-import-'));
    const file = path.join(dir, 'import.csv');
    const rowCount = await writeCsv(file, childCount, perChild);
    const fileBytes = statSync(file).size;
    const csv = () => createReadStream(file); // as the API reads the spooled upload (imports.upload.ts)
    global.gc?.();
    const beforeImportMiB = process.memoryUsage().rss / 2 ** 20;
    peakRss = process.memoryUsage().rss;
    console.log(`CSV: ${rowCount} lines, ${(fileBytes / 2 ** 20).toFixed(1)} MiB`);
    const actor = systemActor();
    const today = fixedClock('2026-11-20T09:00:00Z');
    const opts = { issueCards: true, chunkSize };

    const [dry, drySeconds] = await timed(() =>
      runImport(database.db, keys.card, csv, { ...opts, mode: 'dry_run' }, actor, today),
    );
    console.log(
      `dry run: ${drySeconds.toFixed(1)} s (${dry.validRows} valid, ${dry.invalidRows} invalid), peak ${stepPeaks[0]!.toFixed(0)} MiB`,
    );
    const [job, importSeconds] = await timed(() =>
      runImport(database.db, keys.card, csv, { ...opts, mode: 'import' }, actor, today),
    );
    console.log(
      `import: ${importSeconds.toFixed(1)} s (${job.createdBeneficiaries} children, ${job.createdApprovals} approvals, ${job.issuedCards} cards), peak ${stepPeaks[1]!.toFixed(0)} MiB`,
    );
    const [again, againSeconds] = await timed(() =>
      runImport(database.db, keys.card, csv, { ...opts, mode: 'import' }, actor, today),
    );
    console.log(
      `re-import: ${againSeconds.toFixed(1)} s (${again.createdApprovals} created, ${again.unchangedRows} unchanged), peak ${stepPeaks[2]!.toFixed(0)} MiB`,
    );
    clearInterval(sampler);

    const { rows } = await database.query<{ b: number; a: number; c: number; r: number; l: number }>(
      `select (select count(*)::int from beneficiaries) b, (select count(*)::int from approvals) a,
              (select count(*)::int from cards where status = 'active') c, (select count(*)::int from approval_revisions) r,
              (select count(*)::int from audit_log) l`,
    );
    const counts = rows[0]!;
    if (counts.b !== childCount || counts.a !== rowCount || counts.c !== childCount || again.createdApprovals !== 0) {
      throw new Error(`unexpected counts: ${JSON.stringify(counts)} / re-import created ${again.createdApprovals}`);
    }
    const maxRssMiB = resourceUsage().maxRSS / 1024;
    const peakMiB = peakRss / 2 ** 20;
    const perSecond = Math.round(rowCount / importSeconds);
    writeBenchmarkSection(
      'import',
      `## Bulk import (CSV → children, approvals, cards)

${machineLine()}; PostgreSQL 15 (local server, default settings: fsync on), scratch database.

Command: \`pnpm bench import --children ${childCount} --per-child ${perChild} --chunk ${chunkSize}\`

| step | time | result | peak RSS of the step |
|---|---|---|---|
| dry run (parse + validate + lookups) | ${drySeconds.toFixed(1)} s | ${dry.validRows} valid, ${dry.invalidRows} invalid | ${stepPeaks[0]!.toFixed(0)} MiB |
| import with card issuance | **${importSeconds.toFixed(1)} s** (${perSecond} lines/s) | ${job.createdBeneficiaries} children, ${job.createdApprovals} approvals, ${job.issuedCards} cards | ${stepPeaks[1]!.toFixed(0)} MiB |
| re-import of the same file | ${againSeconds.toFixed(1)} s | ${again.createdApprovals} created, ${again.unchangedRows} unchanged | ${stepPeaks[2]!.toFixed(0)} MiB |

File: ${rowCount} lines, ${(fileBytes / 2 ** 20).toFixed(1)} MiB (participation, lunch, tutoring with named provider, trip with named provider).
After the import: ${counts.b} children, ${counts.a} approvals, ${counts.r} approval revisions, ${counts.c} active cards, ${counts.l} audit rows.
Peak memory of the process that ran the import (this one, the service in process; \`pnpm bench\` starts it with the server's node flags \`${process.execArgv.filter((f) => f.startsWith('--max-') || f.startsWith('--heap-')).join(' ')}\`, ADR 0038): **${peakMiB.toFixed(0)} MiB RSS** sampled every 25 ms (maxRSS ${maxRssMiB.toFixed(0)} MiB). Through the real server: section "Bulk import through the server".

What limits it: PostgreSQL. A CPU profile of the run shows the Node process mostly idle, waiting for the
database: each chunk of ${chunkSize} rows is one transaction with five set-based INSERTs (the rows travel as one
\`jsonb_to_recordset\` parameter: children, approvals, revisions, cards, three audit rows per child), so the
cost is unique-index and foreign-key checks per row, WAL and one fsync per commit. Card tokens are signed
synchronously with node:crypto (Ed25519, about 20 µs each). The file is streamed (as the API spools an
upload to a temporary file and reads it back): rows are checked and written 5,000 at a time, never held
all at once; what stays in memory during the check is one flat, compact string per case reference (ADR 0032, 0038)
and a bit per line to write; the writing pass keeps no state of the file. The process took ${baselineMiB.toFixed(0)} MiB RSS before the file was generated and
${beforeImportMiB.toFixed(0)} MiB just before the first import started. Target (issue 15): 400,000 children ≤ 5 min, ≤ 300 MB RSS.`,
    );
  } finally {
    clearInterval(sampler);
    await scratch.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

type Scratch = Awaited<ReturnType<typeof scratchDatabase>>;

/** A tutor and a school, so named-provider rows are part of the load. */
async function seedProviders(database: Scratch['database']): Promise<void> {
  await database.query(`insert into providers (id, name, category, status, benefit_types, account_holder, iban, town)
      values ('prv_bench_tutor', 'Lernstudio Bench', 'tutor', 'approved', '{tutoring}', 'Lernstudio Bench', 'DE89370400440532013000', 'Hamm'),
             ('prv_bench_school', 'Schule Bench', 'school', 'approved', '{trip,lunch}', 'Schule Bench', 'DE89370400440532013000', 'Hamm')`);
}

/**
 * The file is written to disk line by line and read back as a stream, as the API reads an upload
 * (spooled to a temporary file): the process never holds it, so its RSS is the import's own.
 */
async function writeCsv(file: string, childCount: number, perChild: number): Promise<number> {
  const kinds = [
    ';Teilhabe;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
    ';Mittagessen;SGB II;Jobcenter;01.08.2026;31.07.2027;;;;',
    ';Lernförderung;BKGG KiZ;;01.09.2026;31.01.2027;;20;18,50;prv_bench_tutor',
    ';Klassenfahrt;SGB XII 3;Sozialamt der Stadt;01.11.2026;30.06.2027;285,00;;;prv_bench_school',
  ];
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write(
    '\uFEFFAktenzeichen;Vorname;Nachname;Geburtsdatum;Leistungsart;Rechtskreis;Kostentraeger;Gueltig_ab;Gueltig_bis;Betrag;Stunden;Stundensatz;Anbieter',
  );
  let rowCount = 0;
  for (let i = 0; i < childCount; i++) {
    const birth = `${String(1 + (i % 28)).padStart(2, '0')}.${String(1 + (i % 12)).padStart(2, '0')}.${2010 + (i % 8)}`;
    for (let k = 0; k < perChild; k++) {
      await write(`\r\nAZ-${String(i).padStart(7, '0')};Kind;Muster${i};${birth}${kinds[(i + k) % kinds.length]}`);
      rowCount++;
    }
  }
  await new Promise<void>((r) => out.end(() => r()));
  return rowCount;
}

const statusKiB = (pid: number, field: 'VmRSS' | 'VmHWM'): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
};

/** `--server`: the same three steps through the compiled server's upload endpoint; the server's RSS is measured. */
async function viaServer(scratch: Scratch, childCount: number, perChild: number): Promise<void> {
  const database = scratch.database;
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-bench-import-'));
  let server: Awaited<ReturnType<typeof startReal>> | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const keys = await generateKeyRings();
    await seedProviders(database);
    await database.query(
      `insert into users (id, username, password_hash, role) values ('usr_bench_import', 'bench-import', 'x', 'caseworker')`,
    );
    const file = path.join(dir, 'import.csv');
    const rowCount = await writeCsv(file, childCount, perChild);
    const fileBytes = statSync(file).size;
    server = await startReal(scratch.url, keys.jwks, path.join(dir, 'server.log'));
    const pid = server.child.pid!;
    const base = server.base;
    const { token } = await signAccessToken(
      keys.access,
      { sub: 'usr_bench_import', role: 'caseworker', providerId: null, username: 'bench-import', tokenVersion: 0 },
      120,
      systemClock,
    );
    const headers = { authorization: `Bearer ${token}` };
    await new Promise((r) => setTimeout(r, 5000));
    const idleMiB = statusKiB(pid, 'VmRSS') / 1024;
    const startupHwmMiB = statusKiB(pid, 'VmHWM') / 1024;
    let peakKiB = 0;
    sampler = setInterval(() => {
      peakKiB = Math.max(peakKiB, statusKiB(pid, 'VmRSS'));
    }, 25);
    const upload = async (mode: 'dry_run' | 'import'): Promise<[ImportJob, number]> => {
      const started = performance.now();
      const res = await fetch(`${base}/api/v1/imports?mode=${mode}&issueCards=true&async=true`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/csv' },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (res.status !== 202) throw new Error(`upload: ${res.status} ${await res.text()}`);
      let job = (await res.json()) as ImportJob;
      while (job.status === 'running') {
        await new Promise((r) => setTimeout(r, 1000));
        const polled = await fetch(`${base}/api/v1/imports/${job.id}`, { headers });
        if (!polled.ok) throw new Error(`poll: ${polled.status} ${await polled.text()}`);
        job = (await polled.json()) as ImportJob;
      }
      if (job.status !== 'completed') throw new Error(`import ${job.id} ended ${job.status}`);
      return [job, (performance.now() - started) / 1000];
    };
    const [dry, drySeconds] = await upload('dry_run');
    console.log(
      `dry run: ${drySeconds.toFixed(1)} s (${dry.validRows} valid); server peak ${(peakKiB / 1024).toFixed(0)} MiB`,
    );
    const [job, importSeconds] = await upload('import');
    console.log(
      `import: ${importSeconds.toFixed(1)} s (${job.createdBeneficiaries} children); server peak ${(peakKiB / 1024).toFixed(0)} MiB`,
    );
    const [again, againSeconds] = await upload('import');
    clearInterval(sampler);
    const hwmMiB = statusKiB(pid, 'VmHWM') / 1024;
    const peakMiB = peakKiB / 1024;
    if (job.createdBeneficiaries !== childCount || job.createdApprovals !== rowCount || again.createdApprovals !== 0) {
      throw new Error(`unexpected: ${JSON.stringify({ job, again: again.createdApprovals })}`);
    }
    writeBenchmarkSection(
      'import-server',
      `## Bulk import through the server (\`pnpm bench import --server\`)

${machineLine()}; PostgreSQL 15 (local server, default settings: fsync on), scratch database.

Command: \`pnpm bench import --children ${childCount} --per-child ${perChild} --server\`. The measured process is the
compiled server, started as \`pnpm start\` starts it (\`node ${SERVER_NODE_FLAGS.join(' ')} dist/server.js\`, NODE_ENV=production,
scheduler and audit sealer on): the file (${rowCount} lines, ${(fileBytes / 2 ** 20).toFixed(1)} MiB) is uploaded to
\`POST /api/v1/imports?async=true\` and the job polled once a second; the server's RSS is read from /proc every 25 ms.

| step | time (upload to finished job) | result |
|---|---|---|
| dry run | ${drySeconds.toFixed(1)} s | ${dry.validRows} valid, ${dry.invalidRows} invalid |
| import with card issuance (default chunk 1000) | **${importSeconds.toFixed(1)} s** | ${job.createdBeneficiaries} children, ${job.createdApprovals} approvals, ${job.issuedCards} cards |
| re-import of the same file | ${againSeconds.toFixed(1)} s | ${again.createdApprovals} created, ${again.unchangedRows} unchanged |

Server RSS: ${idleMiB.toFixed(0)} MiB idle before the first upload (${startupHwmMiB.toFixed(0)} MiB high-water mark of its start),
**peak ${peakMiB.toFixed(0)} MiB** during the three runs (VmHWM ${hwmMiB.toFixed(0)} MiB). Target (issue 15): ≤ 300 MB RSS.`,
    );
  } finally {
    if (sampler) clearInterval(sampler);
    if (server) await stop(server.child);
    await scratch.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
