import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';

/**
 * The installable CLI: cli/cli.ts and what it imports (the service's own validation rules in
 * functions/src/core included) bundled into one cli/dist/bgremove.js that needs nothing but
 * Node 20. Run by `npm pack` in cli/ (its prepack script), so a tarball always carries a fresh
 * build; the checkout keeps running the TypeScript through tsx (cli/bgremove.js).
 */

const CLI = resolve(__dirname, '..', 'cli');
export const CLI_BUNDLE = join(CLI, 'dist', 'bgremove.js');

export async function buildCli(): Promise<string> {
  rmSync(join(CLI, 'dist'), { recursive: true, force: true });
  const result = await build({
    entryPoints: [join(CLI, 'cli.ts')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Generated code: the linter reads cli/ while a pack is under way, and has nothing to say here.
    banner: { js: '#!/usr/bin/env node\n/* eslint-disable */' },
    metafile: true,
    logLevel: 'warning',
  });
  // A package import left outside the bundle would be missing once installed: the package has
  // no dependencies.
  const outside = Object.values(result.metafile.inputs)
    .flatMap((input) => input.imports)
    .filter((i) => i.external && !isBuiltin(i.path))
    .map((i) => i.path);
  if (outside.length > 0) throw new Error(`The CLI bundle would need packages: ${outside.join(', ')}`);
  return CLI_BUNDLE;
}

if (require.main === module) {
  buildCli().then(
    (file) => console.error(`Built ${file}.`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
