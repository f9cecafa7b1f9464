import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Root is this folder wherever the build is started from (npm run build:web, Jest's global setup).
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // Every browser we target supports modulepreload; the polyfill would only add bytes.
    modulePreload: { polyfill: false },
    // Inlined assets would become data: URLs; keep every file a real, cacheable asset.
    assetsInlineLimit: 0,
  },
  // `npx vite --config hosting/vite.config.ts` next to `npm start` (port 8080) for live editing.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
