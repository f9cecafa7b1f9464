#!/usr/bin/env node
// The CLI is TypeScript run through tsx, like `npm start`; this is its executable entry.
require('tsx/cjs');
const { run } = require('./main.ts');

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
