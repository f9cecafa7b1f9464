export interface SoakArgs {
  seconds: number;
  users: number;
}

/** The load never runs longer than this, whatever is asked. */
export const MAX_SECONDS = 600;
const MAX_USERS = 200;

export const USAGE = `usage: npm run soak [-- --seconds N] [--users N]
  --seconds N   seconds of load (default 60, 5 to ${MAX_SECONDS})
  --users N     simulated users (default 100, 1 to ${MAX_USERS})`;

export class UsageError extends Error {}

export function parseArgs(argv: string[]): SoakArgs {
  const args: SoakArgs = { seconds: 60, users: 100 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    if (flag === '--seconds' || flag === '--users') {
      const [min, max] = flag === '--seconds' ? [5, MAX_SECONDS] : [1, MAX_USERS];
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new UsageError(`${flag} takes a whole number from ${min} to ${max}`);
      }
      args[flag === '--seconds' ? 'seconds' : 'users'] = value;
      i += 1;
    } else {
      throw new UsageError(`unknown argument: ${flag}`);
    }
  }
  return args;
}
