import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';

/**
 * `npm run build`: the deployable functions artifact in dist/functions — one bundled index.js
 * and a package.json naming only the runtime dependencies it imports, at the versions of the
 * root package.json. This is the folder Terraform zips and Cloud Functions installs.
 */

// Imported only on local paths (SQLite); production configuration refuses them.
const LOCAL_ONLY = new Set(['better-sqlite3']);

/**
 * Small pure-JavaScript packages compiled into index.js: tree-shaken to what the functions use
 * and loaded without resolving and reading their files one by one at cold start (Kysely alone
 * is ~200 files, ~90 ms to require). The large clients stay packages, loaded only on first use.
 */
const BUNDLED = new Set(['kysely', 'jose', 'bcryptjs', 'busboy', 'streamsearch']);

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'dist', 'functions');

const packageName = (specifier: string): string =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;

export async function buildFunctions(): Promise<{ dir: string; dependencies: Record<string, string> }> {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    engines: Record<string, string>;
  };
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const result = await build({
    entryPoints: [join(ROOT, 'functions/src/index.ts')],
    outfile: join(OUT, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: [...LOCAL_ONLY, ...Object.keys(root.dependencies)]
      .filter((name) => !BUNDLED.has(name))
      .flatMap((name) => [name, `${name}/*`]),
    // Lazy imports become lazy require()s, so each package has one instance (no dual-package hazard).
    supported: { 'dynamic-import': false },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const imported = new Set(
    Object.values(result.metafile.inputs)
      .flatMap((input) => input.imports)
      .filter((i) => i.external && !isBuiltin(i.path) && !i.path.startsWith('<'))
      .map((i) => packageName(i.path)),
  );
  const dependencies: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of [...imported].sort()) {
    if (LOCAL_ONLY.has(name)) continue;
    const version = root.dependencies[name];
    if (version) dependencies[name] = version;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new Error(`The functions import packages that are not runtime dependencies: ${missing.join(', ')}`);
  }
  const manifest = { name: 'cutout-functions', private: true, main: 'index.js', engines: { node: '20' }, dependencies };
  writeFileSync(join(OUT, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir: OUT, dependencies };
}

if (require.main === module) {
  buildFunctions().then(
    ({ dir, dependencies }) =>
      console.log(`Built ${dir} with ${Object.keys(dependencies).length} runtime dependencies.`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
