import { invalidCredentials, methodNotAllowed, notFound, validationError } from '../core/errors';
import { userPrefix } from '../core/image';
import {
  identityKey,
  parseAccountDeletion,
  parsePasswordChange,
  PASSWORD_MAX_BYTES,
  utf8Bytes,
} from '../core/validation';
import { appDeps, type Deps, type DepsProvider } from '../deps';
import type { User } from '../ports';
import { accountKey, startAttempt } from './attempts';
import { requireUser, sessionJson, userJson } from './auth';
import { readJson } from './body';
import { httpFunction, type Context, type Method, type Reply } from './http-function';

/*
 * The account (docs/api.md, "The account"): who is signed in, a new password, signing out
 * everywhere and deleting the account with everything in it. Each change that must end other
 * sessions raises the account's token version, which every authenticated request checks.
 */

const MAX_BODY_BYTES = 4096;

/**
 * The password checked as sign-in checks it: counted against the same per-account limit, so a
 * stolen token cannot be used to guess the password faster than the sign-in page allows.
 */
async function checkPassword(deps: Deps, user: User, password: string): Promise<void> {
  const attempt = await startAttempt(await deps.loginLimiter(), [accountKey(user, user.username)]);
  const fits = utf8Bytes(password) <= PASSWORD_MAX_BYTES;
  const hash = fits ? await (await deps.users()).passwordHash(user.id) : undefined;
  if (!(await deps.hasher.verify(fits ? password : '', hash))) throw invalidCredentials();
  await attempt.succeeded();
}

async function changePassword({ req, deps, log }: Context, user: User): Promise<Reply> {
  const input = parsePasswordChange(await readJson(req, MAX_BODY_BYTES));
  await checkPassword(deps, user, input.currentPassword);
  const version = await (await deps.users()).changePassword(user.id, await deps.hasher.hash(input.newPassword));
  log.info('Password changed; earlier sessions ended', { userId: user.id });
  return { status: 200, body: sessionJson(user, await deps.tokens.issue(user.id, version)) };
}

/**
 * Everything goes: the image rows first (so processing still at work finds them gone and takes
 * back what it writes), then every object under the user in both buckets, the jobs, the row.
 */
async function deleteAccount({ req, deps, log }: Context, user: User): Promise<Reply> {
  const input = parseAccountDeletion(await readJson(req, MAX_BODY_BYTES));
  if (identityKey(input.username.trim()) !== identityKey(user.username))
    throw validationError([{ field: 'username', message: `must be your username, ${user.username}, typed again` }]);
  await checkPassword(deps, user, input.password);
  const users = await deps.users();
  await users.endSessions(user.id);
  const ids = await (await deps.images()).deleteAllOf(user.id);
  const [uploads, results, jobs] = await Promise.all([deps.uploads(), deps.results(), deps.jobs()]);
  const prefix = userPrefix(user.id);
  await Promise.all([uploads.deleteUnder(prefix), results.deleteUnder(prefix), ...ids.map((id) => jobs.forget(id))]);
  await users.delete(user.id);
  log.info('Account deleted', { userId: user.id, images: ids.length });
  return { status: 204 };
}

const endSessions = async ({ deps, log }: Context, user: User): Promise<Reply> => {
  await (await deps.users()).endSessions(user.id);
  log.info('Signed out everywhere', { userId: user.id });
  return { status: 204 };
};

type Action = (ctx: Context, user: User) => Promise<Reply>;

/** The account itself and its parts, by what follows /api/account, then by method. */
const ROUTES: Record<string, Partial<Record<Method, Action>>> = {
  '': { GET: async (_ctx, user) => ({ status: 200, body: { user: userJson(user) } }), DELETE: deleteAccount },
  '/password': { POST: changePassword },
  '/sessions': { DELETE: endSessions },
};

async function route(ctx: Context): Promise<Reply> {
  const user = await requireUser(ctx.req, ctx.deps);
  const rest = ctx.req.path.replace(/^\/api\/account(?=\/|$)/, '').replace(/\/+$/, '');
  const actions = ROUTES[rest];
  if (!actions) throw notFound();
  const action = actions[ctx.req.method as Method];
  if (!action) throw methodNotAllowed(Object.keys(actions));
  return action(ctx, user);
}

export const makeAccountHandler = (deps: DepsProvider) =>
  httpFunction(deps, {
    GET: route,
    POST: route,
    DELETE: route,
  });

export const account = makeAccountHandler(appDeps);
