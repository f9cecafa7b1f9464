import { startRemoveBgServer, type RemoveBgServerOptions, type RunningRemoveBg } from './removebg-server';

/**
 * The self-hosted remover's process (terraform `remover = "self-hosted"`, the image built from
 * local/removebg/Dockerfile): the same remove.bg-compatible server as `npm start` runs, on Cloud
 * Run. The service is private: Cloud Run admits only requests carrying an ID token of an account
 * with run.invoker on it (processUpload's), so the server asks for no API key of its own.
 */

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function serverOptions(env: Record<string, string | undefined>): RemoveBgServerOptions {
  const port = Number(env.PORT ?? '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT: expected a TCP port, got "${env.PORT}"`);
  }
  const host = env.HOST ?? '0.0.0.0';
  // Without a key the server answers whoever reaches it: that is safe only behind Cloud Run's
  // IAM check (K_SERVICE is set there), or on loopback.
  if (env.K_SERVICE === undefined && !LOOPBACK.has(host)) {
    throw new Error(`Outside Cloud Run (no K_SERVICE) the remover listens on loopback only, not ${host}; set HOST`);
  }
  return {
    host,
    port,
    authenticatedBy: 'platform',
    ...(env.MODEL_PATH ? { modelPath: env.MODEL_PATH } : {}),
  };
}

/** One JSON line per entry, as Cloud Logging reads stdout. */
function log(severity: 'INFO' | 'ERROR', message: string): void {
  const line = JSON.stringify({ severity, message });
  if (severity === 'ERROR') console.error(line);
  else console.log(line);
}

export async function main(env: Record<string, string | undefined> = process.env): Promise<RunningRemoveBg> {
  const server = await startRemoveBgServer(serverOptions(env));
  log('INFO', `remover listening on ${server.url}`);
  // Cloud Run sends SIGTERM to an instance it retires (idle, or drained of its requests).
  process.once('SIGTERM', () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  return server;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    log('ERROR', `remover failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
