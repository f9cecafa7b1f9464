/**
 * Configuration, parsed once per instance from an env object (never read from process.env
 * elsewhere), so tests pass plain objects. Every problem is reported at once, by variable name;
 * secret values are never echoed back.
 */
export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | { kind: 'mysql'; url: string; poolSize: number }
  | {
      kind: 'cloudsql';
      instance: string;
      user: string;
      /** Only for the built-in migrator user; the functions authenticate as IAM users. */
      password?: string;
      database: string;
      ipType: 'PUBLIC' | 'PRIVATE' | 'PSC';
      poolSize: number;
    };

export interface Config {
  nodeEnv: 'production' | 'development' | 'test';
  projectId: string | undefined;
  logLevel: LogLevel;
  database: DatabaseConfig;
  firestore: { emulatorHost: string | undefined; databaseId: string };
  tokens: {
    /** Required by the functions that issue or check tokens (all but processUpload); see `requireSecret`. */
    signingKey: string | undefined;
    previousSigningKey: string | undefined;
    ttlSeconds: number;
    issuer: string;
    audience: string;
  };
  bcryptCost: number;
  login: { windowSeconds: number; maxFailuresPerAccount: number; maxFailuresPerAddress: number };
  trustedProxyHops: number;
  storage: {
    apiEndpoint: string | undefined;
    uploadsBucket: string;
    resultsBucket: string;
    /** A service-account key file for local V4 signing; unset → IAM signBlob (deployed only). */
    signingKeyFile: string | undefined;
    signedUrlTtlSeconds: number;
  };
  uploads: { dailyQuota: number };
  removeBg: {
    baseUrl: string;
    /**
     * `api-key`: X-Api-Key (remove.bg, the local endpoint); `id-token`: a Google ID token for
     * baseUrl from the metadata server (the self-hosted remover, private on Cloud Run).
     */
    auth: 'api-key' | 'id-token';
    /** Undefined outside production when no remover is configured, and with id-token. */
    apiKey: string | undefined;
    /** `url`: remove.bg fetches the original through a signed GET; `file`: the function sends the bytes. */
    input: 'url' | 'file';
    timeoutMs: number;
    maxAttempts: number;
    maxRetryAfterMs: number;
  };
  processing: { eventMaxAgeSeconds: number; leaseSeconds: number };
}

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

const MIN_KEY_CHARS = 32;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name}: expected an integer from ${min} to ${max}, got "${text}"`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    if ((allowed as readonly string[]).includes(text)) return text as T;
    this.problems.push(`${name}: expected one of ${allowed.join(', ')}, got "${text}"`);
    return fallback;
  }

  /** A secret: checked for presence and length, never quoted in a problem. */
  secret(name: string, required: boolean): string | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (required) this.problems.push(`${name}: required, a random secret of at least ${MIN_KEY_CHARS} characters`);
      return undefined;
    }
    if (value.length < MIN_KEY_CHARS) {
      this.problems.push(`${name}: must be at least ${MIN_KEY_CHARS} characters (it has ${value.length})`);
    }
    return value;
  }

  fail(problem: string): void {
    this.problems.push(problem);
  }
}

function readDatabase(r: Reader, production: boolean): DatabaseConfig {
  const poolSize = r.int('DB_POOL_SIZE', 5, 1, 100);
  const instance = r.raw('CLOUD_SQL_INSTANCE');
  if (instance !== undefined) {
    if (!/^[a-z0-9-:.]+:[a-z0-9-]+:[a-z0-9-]+$/.test(instance)) {
      r.fail(`CLOUD_SQL_INSTANCE: expected a connection name "project:region:instance", got "${instance}"`);
    }
    const password = r.raw('DB_PASSWORD');
    const user = password === undefined ? r.raw('DB_IAM_USER') : r.raw('DB_USER');
    if (user === undefined) {
      r.fail(
        password === undefined
          ? 'DB_IAM_USER: required with CLOUD_SQL_INSTANCE, the IAM database user (service account email without ".gserviceaccount.com")'
          : 'DB_USER: required with DB_PASSWORD, the built-in database user',
      );
    }
    const ipType = r.oneOf('CLOUD_SQL_IP_TYPE', ['PUBLIC', 'PRIVATE', 'PSC'] as const, 'PUBLIC');
    return {
      kind: 'cloudsql',
      instance,
      user: user ?? '',
      ...(password === undefined ? {} : { password }),
      database: r.string('DB_NAME', 'cutout'),
      ipType,
      poolSize,
    };
  }
  const url = r.raw('DATABASE_URL') ?? (production ? undefined : 'sqlite:.data/cutout.db');
  if (url === undefined) {
    r.fail('CLOUD_SQL_INSTANCE or DATABASE_URL: one is required in production');
    return { kind: 'sqlite', file: '' };
  }
  if (url.startsWith('mysql://')) return { kind: 'mysql', url, poolSize };
  if (url.startsWith('sqlite:')) {
    if (production) r.fail('DATABASE_URL: SQLite is for local use only; production needs MySQL');
    return { kind: 'sqlite', file: url.slice('sqlite:'.length) || ':memory:' };
  }
  // Only the scheme is quoted: the rest may hold a password.
  r.fail(
    `DATABASE_URL: expected "mysql://user:password@host:port/database" or "sqlite:path", got scheme "${url.split(':')[0]}"`,
  );
  return { kind: 'sqlite', file: '' };
}

/** Only the database settings: what `npm run migrate` needs, without the functions' secrets. */
export function loadDatabaseConfig(env: Env): DatabaseConfig {
  const r = new Reader(env);
  const database = readDatabase(r, r.raw('NODE_ENV') === 'production');
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return database;
}

function readStorage(r: Reader, production: boolean): Config['storage'] {
  const apiEndpoint = r.raw('STORAGE_API_ENDPOINT');
  if (production && apiEndpoint !== undefined) r.fail('STORAGE_API_ENDPOINT: must not be set in production');
  const bucket = (name: string, fallback: string): string => {
    const value = r.raw(name) ?? (production ? undefined : fallback);
    if (value === undefined) r.fail(`${name}: required in production, a bucket name`);
    else if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(value))
      r.fail(`${name}: expected a bucket name, got "${value}"`);
    return value ?? '';
  };
  return {
    apiEndpoint,
    uploadsBucket: bucket('UPLOADS_BUCKET', 'cutout-uploads'),
    resultsBucket: bucket('RESULTS_BUCKET', 'cutout-results'),
    signingKeyFile: r.raw('STORAGE_SIGNING_KEY_FILE'),
    signedUrlTtlSeconds: r.int('SIGNED_URL_TTL_SECONDS', 900, 60, 3600),
  };
}

const REMOVE_BG_API = 'https://api.remove.bg';

/**
 * Where the remover is and how it is authenticated. An ID token names the caller's identity to
 * whoever receives it, so it goes only to a remover named explicitly, never to remove.bg, and
 * deployed only over HTTPS.
 */
function readRemoverAuth(r: Reader, production: boolean): Pick<Config['removeBg'], 'baseUrl' | 'auth'> {
  const auth = r.oneOf('REMOVE_BG_AUTH', ['api-key', 'id-token'] as const, 'api-key');
  const given = r.raw('REMOVE_BG_URL')?.replace(/\/+$/, '');
  const baseUrl = given ?? REMOVE_BG_API;
  if (auth === 'id-token') {
    if (given === undefined || /^https?:\/\/api\.remove\.bg(?:[:/]|$)/i.test(baseUrl)) {
      r.fail('REMOVE_BG_URL: with REMOVE_BG_AUTH=id-token, the self-hosted remover’s URL (not remove.bg)');
    } else if (production && !baseUrl.startsWith('https://')) {
      r.fail(`REMOVE_BG_URL: with REMOVE_BG_AUTH=id-token in production, an https:// URL, got "${baseUrl}"`);
    }
  }
  return { baseUrl, auth };
}

/**
 * A secret only some functions are given (least privilege: processUpload has no token key, the
 * HTTP functions no remove.bg key). Each is checked where it is used, so a function deployed
 * without a secret it needs fails on first use with the variable's name, never with a default.
 */
export function requireSecret(value: string | undefined, name: string): string {
  if (value === undefined) throw new ConfigError([`${name}: required by this function (from Secret Manager), not set`]);
  return value;
}

export function loadConfig(env: Env): Config {
  const r = new Reader(env);
  const nodeEnv = r.oneOf('NODE_ENV', ['production', 'development', 'test'] as const, 'development');
  const production = nodeEnv === 'production';
  const emulatorHost = r.raw('FIRESTORE_EMULATOR_HOST');
  if (production && emulatorHost !== undefined) r.fail('FIRESTORE_EMULATOR_HOST: must not be set in production');
  const minCost = nodeEnv === 'test' ? 4 : 10;
  const config: Config = {
    nodeEnv,
    projectId: r.raw('GOOGLE_CLOUD_PROJECT') ?? r.raw('GCLOUD_PROJECT') ?? (production ? undefined : 'demo-cutout'),
    logLevel: r.oneOf('LOG_LEVEL', ['debug', 'info', 'warning', 'error'] as const, 'info'),
    database: readDatabase(r, production),
    firestore: { emulatorHost, databaseId: r.string('FIRESTORE_DATABASE', '(default)') },
    tokens: {
      signingKey: r.secret('TOKEN_SIGNING_KEY', false),
      previousSigningKey: r.secret('TOKEN_SIGNING_KEY_PREVIOUS', false),
      ttlSeconds: r.int('TOKEN_TTL_SECONDS', 3600, 60, 86_400),
      issuer: r.string('TOKEN_ISSUER', 'cutout'),
      audience: r.string('TOKEN_AUDIENCE', 'cutout-api'),
    },
    bcryptCost: r.int('BCRYPT_COST', 12, minCost, 15),
    login: {
      windowSeconds: r.int('LOGIN_WINDOW_SECONDS', 900, 60, 86_400),
      maxFailuresPerAccount: r.int('LOGIN_MAX_FAILURES', 10, 1, 1000),
      maxFailuresPerAddress: r.int('LOGIN_MAX_FAILURES_PER_ADDRESS', 100, 1, 100_000),
    },
    trustedProxyHops: r.int('TRUSTED_PROXY_HOPS', 0, 0, 10),
    storage: readStorage(r, production),
    uploads: { dailyQuota: r.int('UPLOAD_DAILY_QUOTA', 100, 1, 100_000) },
    removeBg: {
      ...readRemoverAuth(r, production),
      apiKey: r.raw('REMOVE_BG_API_KEY'),
      input: r.oneOf('REMOVE_BG_INPUT', ['url', 'file'] as const, 'url'),
      timeoutMs: r.int('REMOVE_BG_TIMEOUT_SECONDS', 60, 5, 540) * 1000,
      maxAttempts: r.int('REMOVE_BG_MAX_ATTEMPTS', 3, 1, 10),
      maxRetryAfterMs: r.int('REMOVE_BG_MAX_RETRY_AFTER_SECONDS', 20, 0, 300) * 1000,
    },
    processing: {
      eventMaxAgeSeconds: r.int('EVENT_MAX_AGE_SECONDS', 3600, 60, 7 * 86_400),
      leaseSeconds: r.int('PROCESSING_LEASE_SECONDS', 600, 30, 3600),
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
