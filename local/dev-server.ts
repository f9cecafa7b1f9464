import { resolve } from 'node:path';
import { startLocalCloud } from './local-cloud';

/** `npm start`: the product on http://localhost:8080, offline, data kept under .data/. */
async function main(): Promise<void> {
  const cloud = await startLocalCloud({
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '127.0.0.1',
    dataDir: resolve(process.env.DATA_DIR ?? '.data'),
  });
  console.log(`Cutout is running on ${cloud.url}  (Ctrl-C to stop)`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('Stopping…');
    cloud.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
