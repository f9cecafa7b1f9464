/**
 * The local server serves the built page (firebase.json "public": hosting/dist), as Hosting
 * does; it is built once here so that no suite builds it while another is reading it.
 * Plain JavaScript: Vite is ESM-only, and this runs in Node, outside Jest's module system.
 */
module.exports = async function globalSetup() {
  const { build } = require('vite');
  await build({ configFile: 'hosting/vite.config.mts', logLevel: 'warn' });
};
