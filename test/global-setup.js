/**
 * The local server serves the built page (firebase.json "public": hosting/dist), as Hosting
 * does; it is built once here so that no suite builds it while another is reading it.
 * Plain JavaScript: Vite is ESM-only, and this runs in Node, outside Jest's module system.
 */
module.exports = async function globalSetup() {
  // Google's client libraries probe the metadata server (169.254.169.254) for credentials:
  // nothing here may send traffic off this machine. Workers inherit this environment.
  process.env.METADATA_SERVER_DETECTION = 'none';
  // The landing page's samples first (npm run build:web does the same): Vite copies them into dist.
  require('node:child_process').execFileSync(process.execPath, ['--import', 'tsx', 'scripts/make-samples.ts'], {
    stdio: 'inherit',
  });
  const { build } = require('vite');
  await build({ configFile: 'hosting/vite.config.mts', logLevel: 'warn' });
};
