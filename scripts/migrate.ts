import { loadDatabaseConfig } from '../functions/src/config';
import { openDatabase } from '../functions/src/adapters/sql/database';
import { migrateToLatest } from '../functions/src/adapters/sql/migrations';

/**
 * `npm run migrate`: brings the configured database (SQLite, MySQL by URL, or Cloud SQL through
 * the connector) to the latest schema. Safe to run again: applied migrations are skipped.
 */
async function main(): Promise<void> {
  const database = await openDatabase(loadDatabaseConfig(process.env));
  try {
    const applied = await migrateToLatest(database.db, database.dialect);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Already up to date.');
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
