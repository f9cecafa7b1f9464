import { invalidCredentials } from '../core/errors';
import { parseCredentials, PASSWORD_MAX_BYTES, utf8Bytes } from '../core/validation';
import { appDeps, type DepsProvider } from '../deps';
import type { RateKey } from '../ports';
import { startAttempt, accountKey } from './attempts';
import { sessionJson } from './auth';
import { readJson } from './body';
import { clientAddress, httpFunction } from './http-function';

const MAX_BODY_BYTES = 4096;

export const makeLoginHandler = (deps: DepsProvider) =>
  httpFunction(deps, {
    async POST({ req, deps, log }) {
      const { login, password } = parseCredentials(await readJson(req, MAX_BODY_BYTES));
      const user = await (await deps.users()).findByLogin(login);
      // Counted whether or not such an account exists, so throttling reveals nothing either.
      const address: RateKey = { scope: 'login-address', subject: clientAddress(req, deps.config.trustedProxyHops) };
      const attempt = await startAttempt(await deps.loginLimiter(), [accountKey(user, login), address]);
      // A password bcrypt could only truncate never matches; the dummy comparison keeps its timing.
      const fits = utf8Bytes(password) <= PASSWORD_MAX_BYTES;
      const ok = await deps.hasher.verify(fits ? password : '', fits ? user?.passwordHash : undefined);
      if (!user || !ok) {
        log.info('Sign-in refused', { reason: user ? 'wrong password' : 'unknown account' });
        throw invalidCredentials();
      }
      await attempt.succeeded();
      log.info('Signed in', { userId: user.id });
      return { status: 200, body: sessionJson(user, await deps.tokens.issue(user.id, user.tokenVersion)) };
    },
  });

export const login = makeLoginHandler(appDeps);
