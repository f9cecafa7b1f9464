import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ApiError } from './api';
import { download, list, login, logout, remove, upload, UsageError, type Io } from './commands';
import { loadSession, sessionFile } from './token-store';

const HELP: Record<string, string> = {
  '': `bgremove — background removal from the command line

Usage: bgremove <command> [options]

Commands:
  login                 sign in (asks for email or username and password)
  upload <files…>       upload images, wait for the cutouts, save them beside the inputs
  list                  list your images, newest first
  download <id>         save an image's cutout
  delete <id>           delete an image and its cutout
  logout                forget the stored session

Options for every command:
  --api <url>           the service (default: the signed-in one, else http://localhost:8080)
  -h, --help            help for a command

The session is kept in $XDG_CONFIG_HOME/bgremove/session.json (mode 0600).`,
  login: `Usage: bgremove login [--email <email or username>]
The password is asked for (or read from standard input when it is not a terminal).`,
  upload: `Usage: bgremove upload <files…> [--type auto|person|product|car] [--bg rrggbb] [--out <dir>] [--no-wait] [--timeout <seconds>]
Uploads each JPEG, PNG or WebP (at most 22 MB) straight to the bucket through a signed URL,
waits for its cutout and saves it as <name>-nobg.png next to the input (or in --out).
--no-wait uploads and prints the image ids without waiting.`,
  list: 'Usage: bgremove list [--all]\nPrints id, status, time and file name; --all follows every page.',
  download: 'Usage: bgremove download <id> [--out <file>]',
  delete: 'Usage: bgremove delete <id>\nDeletes the original, the cutout and the thumbnail. It cannot be undone.',
  logout: 'Usage: bgremove logout',
};

export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Reads one line; on a terminal the answer to a password prompt is not echoed. */
function secretReader(streams: Streams): (prompt: string) => Promise<string> {
  const lines = createInterface({ input: streams.stdin, terminal: false })[Symbol.asyncIterator]();
  return async (prompt) => {
    if (streams.stdin.isTTY) {
      streams.stderr.write(prompt);
      const muted = prompt.startsWith('Password');
      const rl = createInterface({
        input: streams.stdin,
        output: new Writable({ write: (_c, _e, done) => done() }),
        terminal: true,
      });
      const answer = await new Promise<string>((resolve) => rl.question('', resolve));
      rl.close();
      if (muted) streams.stderr.write('\n');
      return answer;
    }
    const next = await lines.next();
    if (next.done) throw new UsageError(`${prompt.replace(/: $/, '')} is required on standard input`);
    return String(next.value);
  };
}

/** Runs one command; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function run(argv: string[], streams: Streams): Promise<number> {
  const [command = '', ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        api: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        email: { type: 'string' },
        type: { type: 'string' },
        bg: { type: 'string' },
        out: { type: 'string' },
        'no-wait': { type: 'boolean' },
        timeout: { type: 'string' },
        all: { type: 'boolean' },
      },
    });
  } catch (error) {
    streams.stderr.write(`${(error as Error).message}\n\n${HELP[command] ?? HELP['']}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (command === '' || command === '--help' || command === '-h' || values.help) {
    streams.stdout.write(`${HELP[command.startsWith('-') ? '' : command] ?? HELP['']}\n`);
    return command === '' ? 2 : 0;
  }
  const file = sessionFile(streams.env);
  const session = loadSession(file);
  const io: Io = {
    stdout: streams.stdout,
    stderr: streams.stderr,
    readSecret: secretReader(streams),
    sessionFile: file,
    session,
    api: values.api ?? session?.api ?? 'http://localhost:8080',
  };
  const needOne = () => {
    if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one image id`);
    return positionals[0]!;
  };
  try {
    switch (command) {
      case 'login':
        await login(io, { email: values.email });
        return 0;
      case 'logout':
        logout(io);
        return 0;
      case 'upload': {
        if (positionals.length === 0) throw new UsageError('upload needs at least one file');
        const timeoutSeconds = Number(values.timeout ?? 120);
        if (!(timeoutSeconds > 0)) throw new UsageError('--timeout must be a number of seconds');
        const failures = await upload(io, {
          files: positionals,
          type: values.type,
          bg: values.bg,
          out: values.out,
          download: !values['no-wait'],
          timeoutSeconds,
        });
        return failures > 0 ? 1 : 0;
      }
      case 'list':
        await list(io, { all: values.all ?? false });
        return 0;
      case 'download':
        await download(io, { id: needOne(), out: values.out });
        return 0;
      case 'delete':
        await remove(io, { id: needOne() });
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      streams.stderr.write(`bgremove: ${error.message}\n\n${HELP[command] ?? HELP['']}\n`);
      return 2;
    }
    if (error instanceof ApiError) {
      streams.stderr.write(`bgremove: ${error.message}${error.status === 401 ? ' — run: bgremove login' : ''}\n`);
      return 1;
    }
    throw error;
  }
}
