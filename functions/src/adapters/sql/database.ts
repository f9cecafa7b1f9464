import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, SqliteDatabase } from 'kysely';
import type { DatabaseConfig } from '../../config';
import type { Schema, SqlDialect } from './schema';

export interface Database {
  db: Kysely<Schema>;
  dialect: SqlDialect;
  close(): Promise<void>;
}

const STATEMENT_CACHE_LIMIT = 200;

/**
 * Kysely prepares every query it runs; SQLite compiling the same few statements again was a
 * tenth of a gallery request. The texts are few (values are parameters), so each is prepared
 * once. Safe because nothing here iterates a statement (Kysely's `stream()`), which would hold it.
 */
export function reusingStatements(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => void sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_LIMIT) statements.clear();
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * One query layer over three connections: embedded SQLite (local), MySQL/MariaDB by URL, and
 * Cloud SQL through the connector with IAM database authentication (production). Drivers are
 * imported here, on first use, so a function that never touches SQL never loads them.
 */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const { Kysely, MysqlDialect, SqliteDialect } = await import('kysely');
  if (config.kind === 'sqlite') {
    const { default: SQLite } = await import('better-sqlite3');
    if (config.file !== ':memory:') mkdirSync(dirname(config.file), { recursive: true });
    const sqlite = new SQLite(config.file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: reusingStatements(sqlite) }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  const { createPool } = await import('mysql2');
  if (config.kind === 'mysql') {
    const pool = createPool({ uri: config.url, connectionLimit: config.poolSize, timezone: 'Z' });
    const db = new Kysely<Schema>({ dialect: new MysqlDialect({ pool }) });
    return { db, dialect: 'mysql', close: () => db.destroy() };
  }
  const { Connector, AuthTypes, IpAddressTypes } = await import('@google-cloud/cloud-sql-connector');
  const connector = new Connector();
  const options = await connector.getOptions({
    instanceConnectionName: config.instance,
    ipType: IpAddressTypes[config.ipType],
    authType: config.password === undefined ? AuthTypes.IAM : AuthTypes.PASSWORD,
  });
  const pool = createPool({
    ...options,
    user: config.user,
    password: config.password,
    database: config.database,
    connectionLimit: config.poolSize,
    timezone: 'Z',
  });
  const db = new Kysely<Schema>({ dialect: new MysqlDialect({ pool }) });
  return {
    db,
    dialect: 'mysql',
    close: async () => {
      await db.destroy();
      connector.close();
    },
  };
}
