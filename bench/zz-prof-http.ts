// throwaway: profile images list / images/{id} under load
import { Session } from 'node:inspector/promises';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../functions/src/adapters/sql/database';
import { loadConfig } from '../functions/src/config';
import { startLocalCloud } from '../local/local-cloud';
import { registerHello, register, seedImages, serveFunction } from './fixtures';
import { LoadClient } from './load';

async function main() {
  const which = process.argv[2] ?? 'list';
  const dataDir = mkdtempSync(join(tmpdir(), 'prof-'));
  registerHello();
  const cloud = await startLocalCloud({ port: 0, host: '127.0.0.1', dataDir, env: { DATABASE_URL: `sqlite:${join(dataDir, 'c.db')}`, LOG_LEVEL: 'warning' } });
  const database = await openDatabase(loadConfig(process.env).database);
  const served = await serveFunction('images');
  const hello = await serveFunction('hello');
  const reader = await register(`${cloud.url}/api/register`, 'reader');
  const ids = await seedImages(database.db, reader.id, 200, { status: 'done', newest: Date.now() });
  const client = new LoadClient();
  const paths = which === 'list' ? ['/?pageSize=24'] : ids.map((id) => `/${id}`);
  const job = { origin: served.origin, method: 'GET' as const, headers: { Authorization: `Bearer ${reader.token}` }, paths, connections: 16, timeoutSeconds: 10, expect: [200] };
  await client.run({ ...job, durationSeconds: 1 });
  const h = await client.run({ ...job, origin: hello.origin, paths: ['/'], durationSeconds: 3 });
  const s = new Session(); s.connect();
  if (process.env.PROF) { await s.post('Profiler.enable'); await s.post('Profiler.start'); }
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const hist = monitorEventLoopDelay({ resolution: 1 }); hist.enable();
  const r = await client.run({ ...job, ...(process.env.HELLO ? { origin: hello.origin, paths: ["/"] } : {}), durationSeconds: 4 });
  hist.disable(); console.log('loop delay p50', hist.percentile(50) / 1e6, 'p99', hist.percentile(99) / 1e6, 'max', hist.max / 1e6);
  const lat = [...r.samples].sort((a, b) => b - a).slice(0, 30).map((x) => x.toFixed(0)).join(' '); console.log('slowest', lat, 'n', r.samples.length);
  if (process.env.PROF) { const { profile } = await s.post('Profiler.stop'); writeFileSync(`/tmp/prof/${which}.cpuprofile`, JSON.stringify(profile)); }
  console.log(which, 'rps', r.rps.toFixed(0), 'p50', r.latency.p50, 'p99', r.latency.p99, 'fail', r.failures, '| hello rps', h.rps.toFixed(0), 'ratio', (r.rps / h.rps).toFixed(2));
  client.close(); await served.close(); await hello.close(); await cloud.close?.(); process.exit(0);
}
main();
