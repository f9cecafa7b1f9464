import { run } from './main';

/*
 * The executable: the process's own streams and environment around run(). In the checkout it
 * runs through tsx (bgremove.js); in the package it is bundled into dist/bgremove.js
 * (scripts/build-cli.ts) and runs on Node alone.
 */

// Exits explicitly (a prompt may still hold standard input open), once what was written is out:
// on some systems a piped stdout is asynchronous and would lose its last lines.
const exit = async (code: number) => {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', done))));
  process.exit(code);
};

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then(exit, (error: unknown) => {
  console.error(error);
  return exit(1);
});
