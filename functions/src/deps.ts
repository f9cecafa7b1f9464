import { loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import type { Clock, PasswordHasher, RateLimiter, TokenService, UserRepo } from './ports';
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
  loginLimiter(): Promise<RateLimiter>;
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
  return {
    config,
    clock,
    log: createLogger(config.logLevel),
    hasher: new BcryptHasher(config.bcryptCost),
    tokens: new JoseTokens(config.tokens, clock),
    users: lazy(async () => {
      const { SqlUserRepo } = await import('./adapters/sql/sql-user-repo');
      return new SqlUserRepo((await database()).db);
    }),
    loginLimiter: lazy(async () => {
      const { FirestoreRateLimiter } = await import('./adapters/firestore-rate-limiter');
      const { windowSeconds, maxFailuresPerAccount, maxFailuresPerAddress } = config.login;
      return new FirestoreRateLimiter(
        await firestore(),
        { windowSeconds, limits: { 'login-account': maxFailuresPerAccount, 'login-address': maxFailuresPerAddress } },
        clock,
      );
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
