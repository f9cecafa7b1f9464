import { newId } from '../core/ids';
import { parseRegistration } from '../core/validation';
import { appDeps, type DepsProvider } from '../deps';
import { sessionJson } from './auth';
import { readJson } from './body';
import { httpFunction } from './http-function';

const MAX_BODY_BYTES = 4096;

export const makeRegisterHandler = (deps: DepsProvider) =>
  httpFunction(deps, {
    async POST({ req, deps, log }) {
      const input = parseRegistration(await readJson(req, MAX_BODY_BYTES));
      const passwordHash = await deps.hasher.hash(input.password);
      const users = await deps.users();
      const user = await users.create({
        id: newId(),
        email: input.email,
        username: input.username,
        passwordHash,
        createdAt: deps.clock.now(),
      });
      log.info('Account registered', { userId: user.id });
      return { status: 201, body: sessionJson(user, await deps.tokens.issue(user.id, user.tokenVersion)) };
    },
  });

export const register = makeRegisterHandler(appDeps);
