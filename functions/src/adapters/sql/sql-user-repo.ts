import type { Kysely, Selectable } from 'kysely';
import { accountTaken, type FieldError } from '../../core/errors';
import { identityKey } from '../../core/validation';
import type { NewUser, User, UserRepo } from '../../ports';
import { compiledOnce } from './compiled-once';
import type { Schema, UsersTable } from './schema';

const toUser = (row: Pick<Selectable<UsersTable>, 'id' | 'email' | 'username' | 'created_at'>): User => ({
  id: row.id,
  email: row.email,
  username: row.username,
  createdAt: new Date(Number(row.created_at)),
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
      db.selectFrom('users').select(['id', 'email', 'username', 'created_at']).where('id', '=', id),
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
    return { id: user.id, email: user.email, username: user.username, createdAt: user.createdAt };
  }

  async findByLogin(login: string): Promise<(User & { passwordHash: string }) | undefined> {
    const key = identityKey(login);
    // Usernames cannot contain "@", so the key decides which column to look in.
    const column = key.includes('@') ? 'email_key' : 'username_key';
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'email', 'username', 'created_at', 'password_hash'])
      .where(column, '=', key)
      .executeTakeFirst();
    return row && { ...toUser(row), passwordHash: row.password_hash };
  }

  async findById(id: string): Promise<User | undefined> {
    const [row] = await this.byId({ id });
    return row && toUser(row);
  }
}
