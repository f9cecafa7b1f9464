import { ConfigError, loadConfig, requireSecret, type Config } from './config';
import { createLogger, type Logger } from './logger';
import type {
  BackgroundRemover,
  Clock,
  ImageRepo,
  JobLedger,
  ObjectStore,
  PasswordHasher,
  RateLimiter,
  TokenService,
  UserRepo,
} from './ports';
import { BcryptHasher } from './adapters/bcrypt-hasher';
import { JoseTokens } from './adapters/jose-tokens';
import type { Database } from './adapters/sql/database';

/**
 * The composition root: everything a function may need, created lazily and once per instance.
 * Heavy clients (SQL drivers, Firestore) are imported only when a handler first asks for them.
 */
export interface Deps {
  config: Config;
  log: Logger;
  clock: Clock;
  hasher: PasswordHasher;
  tokens: TokenService;
  users(): Promise<UserRepo>;
  images(): Promise<ImageRepo>;
  uploads(): Promise<ObjectStore>;
  results(): Promise<ObjectStore>;
  loginLimiter(): Promise<RateLimiter>;
  uploadQuota(): Promise<RateLimiter>;
  jobs(): Promise<JobLedger>;
  remover(): Promise<BackgroundRemover>;
  close(): Promise<void>;
}

export type DepsProvider = () => Deps;

export const systemClock: Clock = { now: () => new Date() };

interface Lazy<T> {
  (): Promise<T>;
  /** The value if it was ever asked for, so closing never opens anything. */
  created(): Promise<T> | undefined;
}

function lazy<T>(make: () => Promise<T>): Lazy<T> {
  let value: Promise<T> | undefined;
  const get = (): Promise<T> => {
    // A failed attempt (database not reachable yet) is not cached: the next request retries.
    value ??= make().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
  return Object.assign(get, { created: () => value });
}

export function createDeps(config: Config, clock: Clock = systemClock): Deps {
  const database = lazy<Database>(async () => (await import('./adapters/sql/database')).openDatabase(config.database));
  const firestore = lazy(async () => (await import('./adapters/firestore')).openFirestore(config));
  const credentials = lazy(async () => {
    const keyFile = config.storage.signingKeyFile;
    if (!keyFile) return undefined;
    const { readFile } = await import('node:fs/promises');
    return JSON.parse(await readFile(keyFile, 'utf8')) as { client_email: string; private_key: string };
  });
  const storage = lazy(async () => {
    const { openStorage } = await import('./adapters/gcs-object-store');
    return openStorage({
      projectId: config.projectId,
      apiEndpoint: config.storage.apiEndpoint,
      credentials: await credentials(),
    });
  });
  // Signing needs only a key or IAM, not the Storage client: a gallery never loads the client.
  const urlSigner = lazy(async () => {
    const [{ V4UrlSigner }, { KeyBlobSigner, IamBlobSigner }, key] = await Promise.all([
      import('./adapters/gcs-url-signer'),
      import('./adapters/blob-signers'),
      credentials(),
    ]);
    // IAM signing asks a deployed function's metadata server; anywhere else that would be a
    // request to an address nobody here should call, so a key is required.
    if (!key && config.nodeEnv !== 'production') {
      throw new ConfigError(['STORAGE_SIGNING_KEY_FILE: required outside production, where there is no IAM to sign']);
    }
    const endpoint = config.storage.apiEndpoint ?? 'https://storage.googleapis.com';
    return new V4UrlSigner(endpoint, key ? new KeyBlobSigner(key) : new IamBlobSigner(), clock);
  });
  const bucket = (name: string) =>
    lazy(
      async () => new (await import('./adapters/gcs-object-store')).GcsObjectStore(storage, await urlSigner(), name),
    );
  const limiter = (windowSeconds: number, limits: Record<string, number>) =>
    lazy(async () => {
      const { FirestoreRateLimiter } = await import('./adapters/firestore-rate-limiter');
      return new FirestoreRateLimiter(await firestore(), { windowSeconds, limits }, clock);
    });
  const { windowSeconds, maxFailuresPerAccount, maxFailuresPerAddress } = config.login;
  let tokens: TokenService | undefined;
  return {
    config,
    clock,
    log: createLogger(config.logLevel),
    hasher: new BcryptHasher(config.bcryptCost),
    get tokens() {
      tokens ??= new JoseTokens(
        { ...config.tokens, signingKey: requireSecret(config.tokens.signingKey, 'TOKEN_SIGNING_KEY') },
        clock,
      );
      return tokens;
    },
    users: lazy(async () => {
      const { SqlUserRepo } = await import('./adapters/sql/sql-user-repo');
      return new SqlUserRepo((await database()).db);
    }),
    images: lazy(async () => new (await import('./adapters/sql/sql-image-repo')).SqlImageRepo((await database()).db)),
    uploads: bucket(config.storage.uploadsBucket),
    results: bucket(config.storage.resultsBucket),
    loginLimiter: limiter(windowSeconds, {
      'login-account': maxFailuresPerAccount,
      'login-address': maxFailuresPerAddress,
    }),
    uploadQuota: limiter(86_400, { upload: config.uploads.dailyQuota }),
    jobs: lazy(async () => new (await import('./adapters/firestore-job-ledger')).FirestoreJobLedger(await firestore())),
    remover: lazy(async () => {
      const { apiKey, auth, ...settings } = config.removeBg;
      const { RemoveBgClient } = await import('./adapters/removebg-client');
      if (auth === 'api-key') {
        return new RemoveBgClient({ ...settings, auth: { apiKey: requireSecret(apiKey, 'REMOVE_BG_API_KEY') } });
      }
      // As with IAM signing: only a deployed function has a metadata server to ask.
      if (config.nodeEnv !== 'production') {
        throw new ConfigError(['REMOVE_BG_AUTH: id-token only deployed, where a metadata server issues ID tokens']);
      }
      const { MetadataIdTokens } = await import('./adapters/metadata-id-tokens');
      return new RemoveBgClient({ ...settings, auth: { idTokens: new MetadataIdTokens() } });
    }),
    async close() {
      await (await database.created()?.catch(() => undefined))?.close();
      await (await firestore.created()?.catch(() => undefined))?.terminate();
    },
  };
}

let instance: Deps | undefined;

/** The instance's dependencies, built from process.env on first use (not at import: cold start). */
export const appDeps: DepsProvider = () => (instance ??= createDeps(loadConfig(process.env)));

/** Closes the instance's connections (local server shutdown, tests). */
export async function closeAppDeps(): Promise<void> {
  const current = instance;
  instance = undefined;
  await current?.close();
}
