import { compiledOnce } from '../../functions/src/adapters/sql/compiled-once';
import { reusingStatements } from '../../functions/src/adapters/sql/database';
import { migrateToLatest } from '../../functions/src/adapters/sql/migrations';
import { SqlUserRepo } from '../../functions/src/adapters/sql/sql-user-repo';
import { databaseKinds } from '../support/environment';
import { startTestStack, type TestStack } from '../support/stack';

describe.each(databaseKinds())('SqlUserRepo and migrations on %s', (kind) => {
  let stack: TestStack;
  let repo: SqlUserRepo;
  const user = (n: string, overrides = {}) => ({
    id: `id-${n}`.padEnd(22, '0'),
    email: `${n}@example.com`,
    username: n,
    passwordHash: '$2b$04$hash',
    createdAt: new Date('2026-11-24T10:00:00.123Z'),
    ...overrides,
  });

  beforeAll(async () => {
    stack = await startTestStack(kind);
    repo = new SqlUserRepo(stack.database.db);
  });
  afterAll(() => stack.stop());

  it('migrates once: a second run applies nothing', async () => {
    await expect(migrateToLatest(stack.database.db, stack.database.dialect)).resolves.toEqual([]);
  });

  it('round-trips a user, times to the millisecond', async () => {
    await repo.create(user('grace'));
    await expect(repo.findById('id-grace'.padEnd(22, '0'))).resolves.toEqual({
      id: 'id-grace'.padEnd(22, '0'),
      email: 'grace@example.com',
      username: 'grace',
      createdAt: new Date('2026-11-24T10:00:00.123Z'),
      tokenVersion: 0,
    });
    await expect(repo.findById('missing')).resolves.toBeUndefined();
  });

  it('ends sessions and changes passwords by raising the token version, each change counted', async () => {
    await repo.create(user('ada'));
    const id = 'id-ada'.padEnd(22, '0');
    const bumps = await Promise.all([repo.endSessions(id), repo.endSessions(id), repo.changePassword(id, 'new-hash')]);
    expect([...bumps].sort()).toEqual([1, 2, 3]);
    expect((await repo.findById(id))?.tokenVersion).toBe(3);
    expect(await repo.passwordHash(id)).toBe('new-hash');
    await repo.delete(id);
    await expect(repo.findById(id)).resolves.toBeUndefined();
  });

  it('runs a query compiled once with each call’s values, a value used twice in both places', async () => {
    const db = stack.database.db;
    await repo.create(user('cqone'));
    await repo.create(user('cqtwo', { createdAt: new Date('2026-11-24T11:00:00Z') }));
    const named = compiledOnce(db, (v: { a: string; b: string }) =>
      db.selectFrom('users').select('username').where('username', 'in', [v.a, v.b]).orderBy('username'),
    );
    await expect(named({ a: 'cqone', b: 'cqtwo' })).resolves.toEqual([{ username: 'cqone' }, { username: 'cqtwo' }]);
    await expect(named({ a: 'cqtwo', b: 'nobody' })).resolves.toEqual([{ username: 'cqtwo' }]);
    const twice = compiledOnce(db, (v: { at: number }) =>
      db.selectFrom('users').select('username').where('created_at', '>=', v.at).where('created_at', '<=', v.at),
    );
    await expect(twice({ at: Date.parse('2026-11-24T11:00:00Z') })).resolves.toEqual([{ username: 'cqtwo' }]);
  });

  it('refuses a compiled-once query with a value that is not one of its parameters', async () => {
    const db = stack.database.db;
    const fixed = compiledOnce(db, (v: { id: string }) =>
      db.selectFrom('users').select('id').where('id', '=', v.id).where('username', '=', 'grace'),
    );
    await expect(fixed({ id: 'x' })).rejects.toThrow('compiledOnce: parameter grace is not one of the values');
  });

  it('finds by email or username regardless of case and width', async () => {
    await repo.create(user('Alan', { email: 'Alan.Turing@Example.com' }));
    expect((await repo.findByLogin('alan.turing@example.COM'))?.username).toBe('Alan');
    expect((await repo.findByLogin('ALAN'))?.passwordHash).toBe('$2b$04$hash');
    expect((await repo.findByLogin('ａｌａｎ'))?.username).toBe('Alan');
    await expect(repo.findByLogin('alan@example.com')).resolves.toBeUndefined();
  });

  it('refuses Unicode twins of a registered email as taken', async () => {
    await repo.create(user('kurt', { email: 'kurt@example.com' }));
    await expect(repo.create(user('kurt2', { email: 'ｋｕｒｔ@example.com' }))).rejects.toMatchObject({
      code: 'ACCOUNT.TAKEN',
      errors: [{ field: 'email', message: 'is already registered' }],
    });
  });

  it('keeps distinct emails distinct where a case-insensitive collation would fold them', async () => {
    await repo.create(user('rene', { email: 'rené@example.com' }));
    await expect(repo.create(user('rene2', { email: 'rene@example.com' }))).resolves.toMatchObject({
      username: 'rene2',
    });
  });
});

describe('SQLite statements through Kysely', () => {
  it('prepares each query text once and reuses it with new parameters', async () => {
    const { default: SQLite } = await import('better-sqlite3');
    const { Kysely, SqliteDialect, sql } = await import('kysely');
    const sqlite = new SQLite(':memory:');
    const prepare = jest.spyOn(sqlite, 'prepare');
    const db = new Kysely<{ t: { n: number } }>({
      dialect: new SqliteDialect({ database: reusingStatements(sqlite) }),
    });
    await sql`create table t (n integer)`.execute(db);
    for (const n of [1, 2, 3]) await db.insertInto('t').values({ n }).execute();
    const above = (n: number) => db.selectFrom('t').select('n').where('n', '>', n).orderBy('n').execute();
    expect(await above(1)).toEqual([{ n: 2 }, { n: 3 }]);
    expect(await above(2)).toEqual([{ n: 3 }]);
    // create, insert, select: three texts however many times they ran.
    expect(prepare).toHaveBeenCalledTimes(3);
    await db.destroy();
    expect(sqlite.open).toBe(false);
  });
});
