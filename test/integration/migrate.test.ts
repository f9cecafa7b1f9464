import { execFileSync } from 'node:child_process';
import { createConnection } from 'mysql2/promise';
import { openDatabase } from '../../functions/src/adapters/sql/database';
import { createMariadbDatabase, databaseKinds } from '../support/environment';

const onMariadb = databaseKinds().includes('mariadb') ? describe : describe.skip;

onMariadb('npm run migrate on MariaDB', () => {
  const user = `fn-migrate-test-${process.pid}@demo.iam`;
  const root = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

  it('migrates, grants the IAM users read and write on the tables, and is safe to run twice', async () => {
    const database = await createMariadbDatabase();
    const admin = await createConnection(root);
    await admin.query('CREATE USER IF NOT EXISTS ?@?', [user, '%']);
    try {
      const env = { ...process.env, DATABASE_URL: database.url, DB_GRANT_USERS: ` ${user} ` };
      const run = () =>
        execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/migrate.ts'], {
          env,
          encoding: 'utf8',
        });
      expect(run()).toContain('Applied: 0001-users, 0002-images, 0003-image-results');
      expect(run()).toContain('Already up to date.');
      const [rows] = await admin.query('SHOW GRANTS FOR ?@?', [user, '%']);
      const grants = (rows as Record<string, string>[]).map((row) => Object.values(row)[0]).join('\n');
      const name = new URL(database.url).pathname.slice(1);
      for (const table of ['users', 'images'])
        expect(grants).toContain(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${name}\`.\`${table}\``);
      expect(grants).not.toMatch(/ALL PRIVILEGES|CREATE|DROP|GRANT OPTION/);
      const opened = await openDatabase({ kind: 'mysql', url: database.url, poolSize: 1 });
      await expect(opened.db.selectFrom('images').select('id').execute()).resolves.toEqual([]);
      await opened.close();
    } finally {
      await admin.query('DROP USER IF EXISTS ?@?', [user, '%']);
      await admin.end();
      await database.drop();
    }
  }, 60_000);
});
