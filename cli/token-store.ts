import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Session {
  api: string;
  token: string;
  expiresAt: string;
  username: string;
}

/** `$XDG_CONFIG_HOME/bgremove/session.json` (or ~/.config), readable by its owner only. */
export function sessionFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'bgremove', 'session.json');
}

export function saveSession(file: string, session: Session): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
}

export function loadSession(file: string): Session | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Session;
  } catch {
    return undefined;
  }
}

export function forgetSession(file: string): void {
  rmSync(file, { force: true });
}
