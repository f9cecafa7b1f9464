import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../functions/src/config';
import { startLocalCloud, type LocalCloud } from '../local/local-cloud';
import { parseArgs, USAGE, UsageError } from './args';
import { checkAfterRun } from './checks';
import { studioShots } from './images';
import { driveLoad } from './load';
import { captureLogs } from './logs';
import { formatSection, writeJson, writeLoadSection } from './output';
import { renderLoad } from './report';
import { summarize } from './summary';

/**
 * `npm run soak`: the load part of the reliability suite. Starts the local cloud in this
 * process, runs simulated users against it for a bounded time while remove.bg misbehaves now
 * and then, drains, checks the database and buckets directly, and reports. Exits 1 when an
 * image was lost, a 5xx was seen, or anything else the checks forbid; 2 when the run itself
 * could not be made; 3 when the watchdog ended it.
 */

const ROOT = resolve(__dirname, '..');
const DOC = join(ROOT, 'docs', 'reliability.md');
const RESULTS = join(ROOT, 'soak', 'results', 'latest.json');
/** Start-up, drain and checks on top of the load; past this the run is killed. */
const WATCHDOG_EXTRA_SECONDS = 300;

/** The soak must never leave this machine: no real remove.bg, no remote database. */
function refuseRemoteServices(): void {
  if (process.env.REMOVE_BG_API_KEY) throw new UsageError('unset REMOVE_BG_API_KEY: the soak uses the local remove.bg');
  const url = process.env.DATABASE_URL;
  if (url && !/^sqlite:|^mysql:\/\/[^@]*@(127\.0\.0\.1|localhost)[:/]/.test(url)) {
    throw new UsageError('DATABASE_URL must be SQLite or MySQL on 127.0.0.1 for the soak');
  }
}

function startWatchdog(seconds: number): void {
  const limit = seconds + WATCHDOG_EXTRA_SECONDS;
  const timer = setTimeout(() => {
    console.error(`soak: still running after ${limit} s; giving up`);
    process.exit(3);
  }, limit * 1000);
  // It must not keep a finished run alive, only end a stuck one.
  timer.unref();
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseArgs(argv);
  refuseRemoteServices();
  startWatchdog(args.seconds);

  const shots = await studioShots();
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-soak-'));
  const logs = captureLogs();
  const startedAt = new Date();
  let cloud: LocalCloud | undefined;
  try {
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: { BCRYPT_COST: '10', LOG_LEVEL: 'error' },
    });
    if (!cloud.removeBg) throw new Error('the local cloud started without the local remove.bg');
    // Read while the cloud's environment is in place: stop() restores the one before it.
    const config = loadConfig(process.env);
    const run = await driveLoad(cloud, cloud.removeBg, shots, args, startedAt.getTime().toString(36));
    const checks = await checkAfterRun(
      cloud.storage.url,
      { uploads: config.storage.uploadsBucket, results: config.storage.resultsBucket },
      run.uploads,
    );
    const removeBgCalls = cloud.removeBg.calls();
    await cloud.stop();
    cloud = undefined;
    logs.restore();

    const result = summarize({
      args,
      argv,
      startedAt,
      totalSeconds: (Date.now() - startedAt.getTime()) / 1000,
      database: config.database.kind,
      removeBgCalls,
      run,
      checks,
      logs,
    });
    const section = renderLoad(result);
    await writeJson(RESULTS, result);
    await writeLoadSection(DOC, section);
    process.stdout.write(`${await formatSection(section, DOC)}\nWritten: ${RESULTS} and the Load section of ${DOC}\n`);
    if (result.failures.length > 0) {
      process.stdout.write(`\nsoak FAILED: ${result.failures.join('; ')}\nThe run's data is kept in ${dataDir}\n`);
      return 1;
    }
    rmSync(dataDir, { recursive: true, force: true });
    return 0;
  } finally {
    logs.restore();
    await cloud?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`soak: ${error.message}\n${USAGE}`);
    else console.error('soak: the run itself failed', error);
    process.exit(2);
  },
);
