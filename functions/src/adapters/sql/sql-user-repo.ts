import type { Kysely, Selectable } from 'kysely';
import { accountTaken, type FieldError } from '../../core/errors';
import { identityKey } from '../../core/validation';
import type { NewUser, User, UserRepo } from '../../ports';
import { compiledOnce } from './compiled-once';
import type { Schema, UsersTable } from './schema';

const USER_COLUMNS = ['id', 'email', 'username', 'created_at', 'token_version'] as const;

const toUser = (row: Pick<Selectable<UsersTable>, (typeof USER_COLUMNS)[number]>): User => ({
  id: row.id,
  email: row.email,
  username: row.username,
  createdAt: new Date(Number(row.created_at)),
  tokenVersion: Number(row.token_version),
});

/** MySQL's ER_DUP_ENTRY or SQLite's UNIQUE failure, translated to the field that clashed. */
function duplicateFields(error: unknown): FieldError[] | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ER_DUP_ENTRY' && code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return undefined;
  const text = String(message);
  const fields: FieldError[] = [];
  if (text.includes('email_key')) fields.push({ field: 'email', message: 'is already registered' });
  if (text.includes('username_key')) fields.push({ field: 'username', message: 'is already taken' });
  return fields;
}

export class SqlUserRepo implements UserRepo {
  // Every authenticated request looks its user up by id.
  private readonly byId;

  constructor(private readonly db: Kysely<Schema>) {
    this.byId = compiledOnce(db, ({ id }: { id: string }) =>
      db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id),
    );
  }

  async create(user: NewUser): Promise<User> {
    try {
      await this.db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          email_key: identityKey(user.email),
          username: user.username,
          username_key: identityKey(user.username),
          password_hash: user.passwordHash,
          created_at: user.createdAt.getTime(),
        })
        .execute();
    } catch (error) {
      const fields = duplicateFields(error);
      if (fields) throw accountTaken(fields);
      throw error;
    }
    return { id: user.id, email: user.email, username: user.username, createdAt: user.createdAt, tokenVersion: 0 };
  }

  async findByLogin(login: string): Promise<(User & { passwordHash: string }) | undefined> {
    const key = identityKey(login);
    // Usernames cannot contain "@", so the key decides which column to look in.
    const column = key.includes('@') ? 'email_key' : 'username_key';
    const row = await this.db
      .selectFrom('users')
      .select([...USER_COLUMNS, 'password_hash'])
      .where(column, '=', key)
      .executeTakeFirst();
    return row && { ...toUser(row), passwordHash: row.password_hash };
  }

  async findById(id: string): Promise<User | undefined> {
    const [row] = await this.byId({ id });
    return row && toUser(row);
  }

  async passwordHash(id: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
    return row?.password_hash;
  }

  async changePassword(id: string, passwordHash: string): Promise<number> {
    return this.bump(id, { password_hash: passwordHash });
  }

  async endSessions(id: string): Promise<number> {
    return this.bump(id, {});
  }

  /**
   * Raises the version from the one read, only if it is still that one (retried otherwise), so
   * each bump returns its own version: a token issued at it is ended by any later bump.
   */
  private async bump(id: string, change: { password_hash?: string }): Promise<number> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const row = await this.db.selectFrom('users').select('token_version').where('id', '=', id).executeTakeFirst();
      if (!row) throw new Error(`No user ${id}`);
      const next = Number(row.token_version) + 1;
      const result = await this.db
        .updateTable('users')
        .set({ ...change, token_version: next })
        .where('id', '=', id)
        .where('token_version', '=', row.token_version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return next;
    }
    throw new Error(`The token version of user ${id} kept changing`);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }
}
