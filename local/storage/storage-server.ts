import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventDelivery, finalizedEvent } from './cloud-events';
import type { StorageContext } from './context';
import { ObjectFiles } from './object-files';
import { objectResource } from './object-resource';
import { route } from './router';
import { signerKeys } from './signed-url';

export interface CorsRule {
  origin: string[];
  method: string[];
  responseHeader?: string[];
  maxAgeSeconds?: number;
}

export interface BucketConfig {
  name: string;
  cors?: CorsRule[];
  /** Where finalize CloudEvents go (an http://127.0.0.1:PORT/ URL); none → no events. */
  notificationTarget?: string;
}

export interface StorageServerOptions {
  /** Objects and their metadata are kept here and survive a restart. */
  dataDir: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Created on start if missing. */
  buckets: BucketConfig[];
  /** Service accounts whose V4 signatures are accepted: email → PEM private key (the public key is derived). */
  signers: { clientEmail: string; privateKey: string }[];
  /** Event delivery retry: attempts and first delay; defaults 8 and 200 ms, doubling, capped at 10 s. */
  retry?: { attempts: number; initialDelayMs: number };
  /** The clock for signed-URL expiry and timestamps. */
  now?: () => Date;
}

export interface RunningStorageServer {
  url: string;
  stop(): Promise<void>;
  /** Resolves when no event delivery is in flight. */
  idle(): Promise<void>;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

/**
 * A local Google Cloud Storage: the subset of the JSON and XML APIs this project uses, spoken
 * well enough for the unmodified @google-cloud/storage client (pointed at it with
 * `apiEndpoint`), V4 signed URLs verified as GCS verifies them, CORS per bucket, and a
 * finalize CloudEvent per completed write, delivered the way Eventarc delivers it.
 */
export async function startStorageServer(options: StorageServerOptions): Promise<RunningStorageServer> {
  for (const bucket of options.buckets) {
    if (!BUCKET_NAME.test(bucket.name)) throw new Error(`Invalid bucket name: ${bucket.name}`);
  }
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const files = await ObjectFiles.open(
    options.dataDir,
    options.buckets.map((b) => b.name),
    now,
  );
  const delivery = new EventDelivery(options.retry ?? { attempts: 8, initialDelayMs: 200 });
  const buckets = new Map(options.buckets.map((b) => [b.name, b]));

  const ctx: StorageContext = {
    files,
    buckets,
    signers: signerKeys(options.signers),
    now,
    baseUrl: '',
    finalized(object) {
      const target = buckets.get(object.bucket)?.notificationTarget;
      if (target) delivery.send(target, finalizedEvent(object, objectResource(ctx.baseUrl, object)));
    },
  };

  const server = createServer((req, res) => void route(ctx, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  ctx.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: ctx.baseUrl,
    idle: () => delivery.idle(),
    async stop() {
      delivery.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
