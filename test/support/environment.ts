import { createConnection } from 'mysql2/promise';
import { randomBytes } from 'node:crypto';

/**
 * Real services the suites need. Under CI a missing one is a failure; elsewhere the suite is
 * skipped with the reason printed.
 */
export const inCI = process.env.CI === 'true';

const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

/** A fresh database for one suite, dropped by the returned function. */
export async function createMariadbDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cutout_test_${randomBytes(6).toString('hex')}`;
  const conn = await createConnection(MARIADB);
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await conn.end();
  return {
    url: `mysql://root@127.0.0.1:3306/${name}`,
    async drop() {
      const c = await createConnection(MARIADB);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export type DatabaseKind = 'sqlite' | 'mariadb';

/**
 * The database kinds a suite runs against. MariaDB is probed once at collection time through a
 * child process, since jest collects tests synchronously.
 */
export function databaseKinds(): DatabaseKind[] {
  const probe = require('node:child_process').spawnSync(
    process.execPath,
    [
      '-e',
      "require('net').connect(3306,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))",
    ],
    { timeout: 5000 },
  ) as { status: number | null };
  if (probe.status === 0) return ['sqlite', 'mariadb'];
  const reason = 'MariaDB at 127.0.0.1:3306 is not reachable';
  if (inCI) throw new Error(`${reason}; CI requires it (start it with start-stop-daemon, see .ci/run)`);
  console.warn(`Skipping the MariaDB runs: ${reason}`);
  return ['sqlite'];
}
