import { loadDatabaseConfig } from '../functions/src/config';
import { openDatabase } from '../functions/src/adapters/sql/database';
import { grantDataAccess, migrateToLatest } from '../functions/src/adapters/sql/migrations';

/**
 * `npm run migrate`: brings the configured database (SQLite, MySQL by URL, or Cloud SQL through
 * the connector) to the latest schema, then grants the functions' IAM database users
 * (`DB_GRANT_USERS`, comma-separated) the data privileges they need, which IAM users lack at
 * creation. Safe to run again: applied migrations are skipped, and GRANT is idempotent.
 */
async function main(): Promise<void> {
  const database = await openDatabase(loadDatabaseConfig(process.env));
  try {
    const applied = await migrateToLatest(database.db, database.dialect);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Already up to date.');
    const users = (process.env.DB_GRANT_USERS ?? '')
      .split(',')
      .map((user) => user.trim())
      .filter(Boolean);
    if (users.length > 0 && database.dialect !== 'mysql') throw new Error('DB_GRANT_USERS needs a MySQL database');
    for (const user of users) {
      await grantDataAccess(database.db, user);
      console.log(`Granted ${user} read and write on the application tables.`);
    }
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
