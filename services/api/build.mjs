// `pnpm --filter @tk/api build`: compiles the server and the CLIs to JavaScript in dist/ (ADR 0022).
// esbuild bundles our own TypeScript (this package and the workspace packages it imports, which export .ts
// sources) into one file per entry; every npm package stays external and is loaded from node_modules.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(here, 'dist');
const pkg = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'));
const declared = new Set(Object.keys(pkg.dependencies));
const builtins = new Set(builtinModules);

const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * Workspace code (`@tk/*`, relative imports) is bundled; npm packages are external. The compiled files
 * resolve them from services/api/node_modules, so each one must be a dependency of @tk/api itself
 * (pnpm gives a package only what it declares): the build fails naming any that is not.
 */
const workspaceBundled = {
  name: 'workspace-bundled',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || builtins.has(args.path)) return { external: true };
      const name = packageName(args.path);
      if (name.startsWith('@tk/')) return undefined;
      if (declared.has(name)) return { external: true };
      return {
        errors: [
          { text: `${name} (imported by ${path.relative(here, args.importer)}) must be a dependency of @tk/api` },
        ],
      };
    });
    // A bundled module keeps its own location: `new URL('../migrations', import.meta.url)` in db/src still
    // finds db/migrations, and the web UI is found beside the API, as when running from the sources.
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromDist = path.relative(outdir, args.path).split(path.sep).join('/');
      return {
        contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
// esbuild prints its errors itself (logLevel); a failed build only needs the exit code.
const result = await build({
  absWorkingDir: here,
  entryPoints: {
    server: 'src/server.ts',
    settle: 'src/cli/settle.ts',
    verify: 'src/cli/verify.ts',
    openapi: 'src/cli/openapi.ts',
    'generate-keys': 'src/cli/generate-keys.ts',
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node26',
  sourcemap: true,
  plugins: [workspaceBundled],
  logLevel: 'warning',
  metafile: true,
}).catch(() => process.exit(1));
const files = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const bytes = files.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`@tk/api: compiled ${files.length} entry points to dist/ (${Math.round(bytes / 1024)} KiB)`);
