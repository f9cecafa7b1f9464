import { invalidCredentials, tooManyAttempts } from '../core/errors';
import { identityKey, parseCredentials, PASSWORD_MAX_BYTES, utf8Bytes } from '../core/validation';
import { appDeps, type DepsProvider } from '../deps';
import type { RateKey } from '../ports';
import { sessionJson } from './auth';
import { readJson } from './body';
import { clientAddress, httpFunction } from './http-function';

const MAX_BODY_BYTES = 4096;

export const makeLoginHandler = (deps: DepsProvider) =>
  httpFunction(deps, {
    async POST({ req, deps, log }) {
      const { login, password } = parseCredentials(await readJson(req, MAX_BODY_BYTES));
      // Counted by what was typed, whether or not such an account exists, so throttling
      // reveals nothing either.
      const account: RateKey = { scope: 'login-account', subject: identityKey(login) };
      const address: RateKey = { scope: 'login-address', subject: clientAddress(req, deps.config.trustedProxyHops) };
      const limiter = await deps.loginLimiter();
      const retryAfter = await limiter.retryAfter([account, address]);
      if (retryAfter !== undefined) throw tooManyAttempts(retryAfter);

      const user = await (await deps.users()).findByLogin(login);
      // A password bcrypt could only truncate never matches; the dummy comparison keeps its timing.
      const fits = utf8Bytes(password) <= PASSWORD_MAX_BYTES;
      const ok = await deps.hasher.verify(fits ? password : '', fits ? user?.passwordHash : undefined);
      if (!user || !ok) {
        await limiter.hit([account, address]);
        log.info('Sign-in refused', { reason: user ? 'wrong password' : 'unknown account' });
        throw invalidCredentials();
      }
      await limiter.reset(account);
      log.info('Signed in', { userId: user.id });
      return { status: 200, body: sessionJson(user, await deps.tokens.issue(user.id, user.tokenVersion)) };
    },
  });

export const login = makeLoginHandler(appDeps);
