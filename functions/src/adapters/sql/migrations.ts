import type { Kysely, Migration, sql as Sql } from 'kysely';
import type { Schema, SqlDialect } from './schema';

/**
 * Versioned migrations, one list for both dialects. Never edit a migration that has shipped:
 * add the next one. MySQL tables use a binary collation so that keys compare exactly as the
 * application normalised them (no accent- or case-folding behind its back).
 */
function migrations(dialect: SqlDialect, sql: typeof Sql): Record<string, Migration> {
  const mysqlTable = dialect === 'mysql' ? sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin` : sql``;
  return {
    '0001-users': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('email', 'varchar(254)', (c) => c.notNull())
          .addColumn('email_key', 'varchar(254)', (c) => c.notNull())
          .addColumn('username', 'varchar(32)', (c) => c.notNull())
          .addColumn('username_key', 'varchar(32)', (c) => c.notNull())
          .addColumn('password_hash', 'varchar(100)', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('users_email_key_unique', ['email_key'])
          .addUniqueConstraint('users_username_key_unique', ['username_key'])
          .modifyEnd(mysqlTable)
          .execute();
      },
    },
    '0002-images': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('images')
          .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id'))
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('filename', 'varchar(255)', (c) => c.notNull())
          .addColumn('content_type', 'varchar(32)', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('width', 'integer')
          .addColumn('height', 'integer')
          .addColumn('options', 'varchar(255)', (c) => c.notNull())
          .addColumn('original_key', 'varchar(255)', (c) => c.notNull())
          .addColumn('error_code', 'varchar(64)')
          .addColumn('error_message', 'varchar(512)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('processed_at', 'bigint')
          .modifyEnd(mysqlTable)
          .execute();
        // The gallery: one user's images, newest first, paged by (created_at, id).
        await db.schema
          .createIndex('images_user_created')
          .on('images')
          .columns(['user_id', 'created_at', 'id'])
          .execute();
      },
    },
    '0003-image-results': {
      async up(db: Kysely<unknown>) {
        for (const [name, type] of [
          ['result_key', 'varchar(255)'],
          ['thumbnail_key', 'varchar(255)'],
          ['credits_charged', 'double precision'],
          ['remover_ms', 'integer'],
          ['processing_ms', 'integer'],
        ] as const) {
          await db.schema.alterTable('images').addColumn(name, type).execute();
        }
      },
    },
    '0004-image-edits': {
      async up(db: Kysely<unknown>) {
        for (const [name, type] of [
          ['edits', 'varchar(1024)'],
          ['mask_key', 'varchar(255)'],
          ['background_key', 'varchar(255)'],
          ['renders', 'varchar(2048)'],
        ] as const) {
          await db.schema.alterTable('images').addColumn(name, type).execute();
        }
        await db.schema
          .alterTable('images')
          .addColumn('edit_version', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      },
    },
    '0005-user-token-version': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('users')
          .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      },
    },
  };
}

export async function migrateToLatest(db: Kysely<Schema>, dialect: SqlDialect): Promise<string[]> {
  // Loaded the way the database module loads it, so both share one instance of the library.
  const { Migrator, sql } = await import('kysely');
  const all = migrations(dialect, sql);
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(all) } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Read and write on the application's tables, nothing more (no DDL, no GRANT), for one MySQL user. */
export async function grantDataAccess(db: Kysely<Schema>, user: string): Promise<void> {
  if (!/^[A-Za-z0-9@._-]{1,64}$/.test(user)) throw new Error(`Not a database user name: ${user}`);
  const { sql } = await import('kysely');
  for (const table of ['users', 'images']) {
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ${sql.table(table)} TO ${sql.lit(user)}@'%'`.execute(db);
  }
}
