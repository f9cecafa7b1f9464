import type { Request } from '@google-cloud/functions-framework';
import { unauthenticated } from '../core/errors';
import type { Deps } from '../deps';
import type { IssuedToken, User } from '../ports';

/** Shared by every authenticated function: a valid bearer token of a user who still exists. */
export async function requireUser(req: Request, deps: Pick<Deps, 'tokens' | 'users'>): Promise<User> {
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) throw unauthenticated();
  const { userId, version } = await deps.tokens.verifyClaims(match[1]);
  const user = await (await deps.users()).findById(userId);
  // A password change, a sign-out everywhere or a deletion ended every earlier token.
  if (!user || user.tokenVersion !== version) throw unauthenticated();
  return user;
}

export const userJson = (user: User) => ({
  id: user.id,
  email: user.email,
  username: user.username,
  createdAt: user.createdAt.toISOString(),
});

/** The body of a successful register or login. */
export const sessionJson = (user: User, issued: IssuedToken) => ({
  user: userJson(user),
  token: issued.token,
  tokenType: 'Bearer',
  expiresAt: issued.expiresAt.toISOString(),
});
