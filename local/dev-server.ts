import { join, resolve } from 'node:path';
import { ConfigError, loadDatabaseConfig } from '../functions/src/config';
import { createLogger, setLogFormatter } from '../functions/src/logger';
import { chooseLogFormat, prettyFormatter, startBlock, startFields, useColour, type StartInfo } from './log-format';
import { startLocalCloud } from './local-cloud';

/**
 * `npm start`: the product on http://localhost:8080, offline, data kept under .data/. In a
 * terminal the logs are readable lines (`LOG_FORMAT=json` for Cloud Logging's JSON, which is
 * also what a pipe or file gets).
 */
async function main(): Promise<void> {
  // There is no metadata server here: Google's clients must not spend seconds looking for one.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const format = chooseLogFormat(process.env, process.stdout.isTTY);
  const colour = useColour(process.env, process.stdout.isTTY);
  if (format === 'pretty') setLogFormatter(prettyFormatter({ colour }));
  const log = createLogger();

  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const cloud = await startLocalCloud({
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '127.0.0.1',
    dataDir,
  });
  const info: StartInfo = {
    url: cloud.url,
    dataDir,
    database: loadDatabaseConfig(process.env),
    storageDir: join(dataDir, 'storage'),
    storageUrl: cloud.storage.url,
    remover: cloud.removeBg
      ? { kind: 'local', url: cloud.removeBg.url }
      : { kind: 'remote', url: process.env.REMOVE_BG_URL ?? 'https://api.remove.bg' },
  };
  if (format === 'pretty') process.stdout.write(startBlock(info, { colour }));
  else log.info(`Cutout is running on ${cloud.url}`, startFields(info));

  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('Stopping…');
    cloud.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('Cutout did not stop cleanly', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // A configuration problem is its message (one line per variable); anything else, its stack too.
  const message = error instanceof Error ? error.message : String(error);
  createLogger().error(`Cutout did not start: ${message}`, error instanceof ConfigError ? {} : { error });
  process.exit(1);
});
