#!/usr/bin/env node
// In the checkout (`npm run bgremove`) the CLI's TypeScript runs through tsx, like `npm start`;
// the installable package runs the bundle built from the same cli.ts (scripts/build-cli.ts).
require('tsx/cjs');
require('./cli.ts');
