/* eslint-disable @typescript-eslint/no-require-imports */
/* global __dirname, __filename, performance */
'use strict';
/**
 * One function instance, as Cloud Run starts it, but bound to 127.0.0.1 (the framework's own
 * main.js listens on every interface): node bench/launcher.js <target> <artifact dir>.
 * Loads the built artifact (or registers hello world), serves the target with the Functions
 * Framework's getTestServer on an ephemeral loopback port, and tells the parent over IPC.
 * Plain JavaScript, so nothing but Node and the artifact is measured.
 */
const path = require('node:path');
const Module = require('node:module');

// Time spent loading each package required from outside any package (the bundle, this file):
// inclusive of everything that package loads in turn, first load only.
const requireMs = {};
let depth = 0;
const load = Module._load;
Module._load = function timedLoad(request, ...rest) {
  const bare = !request.startsWith('.') && !path.isAbsolute(request) && !Module.isBuiltin(request);
  if (!bare) return load.call(this, request, ...rest);
  const started = depth === 0 ? performance.now() : 0;
  depth += 1;
  try {
    return load.call(this, request, ...rest);
  } finally {
    depth -= 1;
    if (depth === 0) {
      const name = request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : request.split('/')[0];
      const took = performance.now() - started;
      if (took > 0.5) requireMs[name] = (requireMs[name] ?? 0) + took;
    }
  }
};

const [target, artifact] = process.argv.slice(2);
const framework = require('@google-cloud/functions-framework');
if (target === 'hello') {
  framework.http('hello', (_req, res) => {
    res.send('hello');
  });
} else {
  require(path.resolve(artifact, 'index.js'));
}
const { getTestServer } = require('@google-cloud/functions-framework/testing');
const server = getTestServer(target);

/** Package names in require.cache: the part after the last node_modules/. */
function packagesLoaded() {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const at = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    if (at < 0) continue;
    const parts = file.slice(at + 14).split(path.sep);
    names.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
  }
  return [...names].sort();
}

/** VmHWM (KiB) from /proc/self/status, NaN where there is none. */
function highWaterMark() {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

server.listen(0, '127.0.0.1', () => {
  process.send({ listening: server.address().port, uptimeMs: process.uptime() * 1000, pid: process.pid });
});
process.on('message', (message) => {
  if (message === 'report') {
    process.send({
      report: {
        packages: packagesLoaded(),
        modules: Object.keys(require.cache).length,
        requireMs,
        maxRssKiB: process.resourceUsage().maxRSS,
        hwmKiB: highWaterMark(),
        rss: process.memoryUsage().rss,
        self: path.relative(path.resolve(__dirname, '..'), __filename),
      },
    });
  }
});
process.on('disconnect', () => process.exit(0));
