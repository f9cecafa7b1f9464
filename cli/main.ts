import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ApiError, UsageError } from './api';
import { MAX_JOBS } from './batch';
import { download, list, login, logout, remove, upload, whoami, type Io } from './commands';
import { editsFromFlags, formatOfPath, parseFormat, suitsFormat, type EditFlags } from './edits';
import { HELP } from './help';
import { describeApiError } from './io';
import { version } from './package.json';
import { DEFAULT_API, normaliseApi } from './service-url';
import { loadSession, sessionFile } from './token-store';
import { fileProblem } from './transfer';

export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Reads one line; on a terminal the answer to a password prompt is not echoed. */
function secretReader(streams: Streams): (prompt: string) => Promise<string> {
  // Made on first use: an idle reader on standard input would take a terminal's keystrokes.
  let lines: AsyncIterator<string> | undefined;
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
    lines ??= createInterface({ input: streams.stdin, terminal: false })[Symbol.asyncIterator]();
    const next = await lines.next();
    if (next.done) throw new UsageError(`${prompt.replace(/: $/, '')} is required on standard input`);
    return String(next.value);
  };
}

/** The stored session's service; a damaged entry must not stop `login` from mending it. */
function storedApi(api: string): string {
  try {
    return normaliseApi(api);
  } catch {
    return DEFAULT_API;
  }
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
        format: { type: 'string' },
        blur: { type: 'string' },
        crop: { type: 'boolean' },
        margin: { type: 'string' },
        scale: { type: 'string' },
        position: { type: 'string' },
        size: { type: 'string' },
        quality: { type: 'string' },
        jobs: { type: 'string', short: 'j' },
        json: { type: 'boolean' },
        again: { type: 'boolean' },
        force: { type: 'boolean' },
      },
    });
  } catch (error) {
    streams.stderr.write(`${(error as Error).message}\n\n${HELP[command] ?? HELP['']}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (command === '--version' || command === '-V') {
    streams.stdout.write(`bgremove ${version}\n`);
    return 0;
  }
  if (command === '' || command === '--help' || command === '-h' || values.help) {
    streams.stdout.write(`${HELP[command.startsWith('-') ? '' : command] ?? HELP['']}\n`);
    return command === '' ? 2 : 0;
  }
  const file = sessionFile(streams.env);
  const session = loadSession(file);
  let api = DEFAULT_API;
  try {
    // The flag, else the environment, else the service signed in to, else the local one.
    if (values.api !== undefined) api = normaliseApi(values.api);
    else if (streams.env.BGREMOVE_API) api = normaliseApi(streams.env.BGREMOVE_API, 'BGREMOVE_API');
    else if (session?.api) api = storedApi(session.api);
  } catch (error) {
    streams.stderr.write(`bgremove: ${(error as Error).message}\n`);
    return 2;
  }
  const io: Io = {
    stdout: streams.stdout,
    stderr: streams.stderr,
    readSecret: secretReader(streams),
    sessionFile: file,
    session,
    api,
  };
  const editFlags: EditFlags = {
    bg: values.bg,
    blur: values.blur,
    crop: values.crop,
    margin: values.margin,
    scale: values.scale,
    position: values.position,
    size: values.size,
    quality: values.quality,
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
      case 'whoami':
        await whoami(io);
        return 0;
      case 'upload': {
        if (positionals.length === 0) throw new UsageError('upload needs at least one file');
        const timeoutSeconds = Number(values.timeout ?? 120);
        if (!(timeoutSeconds > 0)) throw new UsageError('--timeout must be a number of seconds');
        const edits = editsFromFlags(editFlags);
        const format = parseFormat(values.format);
        if (values['no-wait'] && (edits || format))
          throw new UsageError('--no-wait cannot go with edits or --format: they need the finished cutout');
        const jobs = Number(values.jobs ?? 1);
        if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS)
          throw new UsageError(
            `-j must be a whole number of uploads at a time from 1 to ${MAX_JOBS}, not "${values.jobs}"`,
          );
        const failures = await upload(io, {
          files: positionals,
          type: values.type,
          out: values.out,
          download: !values['no-wait'],
          timeoutSeconds,
          edits,
          format,
          jobs,
          json: values.json ?? false,
          again: values.again ?? false,
          force: values.force ?? false,
        });
        return failures > 0 ? 1 : 0;
      }
      case 'list':
        await list(io, { all: values.all ?? false });
        return 0;
      case 'download': {
        const id = needOne();
        const given = Object.entries(editFlags).filter(([, value]) => value !== undefined);
        if (given.length > 0)
          throw new UsageError(
            `--${given[0]![0]} is an edit: give it to bgremove upload; download renders the image's saved edits`,
          );
        const format = parseFormat(values.format) ?? (values.out ? formatOfPath(values.out) : undefined) ?? 'png';
        if (values.out && !suitsFormat(values.out, format))
          throw new UsageError(`--out ${values.out} is not named for --format ${format}`);
        await download(io, { id, out: values.out, format, force: values.force ?? false });
        return 0;
      }
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
      streams.stderr.write(`bgremove: ${describeApiError(error, io.api)}\n`);
      return 1;
    }
    if (error instanceof Error && 'syscall' in error) {
      // A file that cannot be read or written (a missing folder, no permission), in words.
      streams.stderr.write(`bgremove: ${fileProblem(error, (error as NodeJS.ErrnoException).path ?? '').message}\n`);
      return 1;
    }
    throw error;
  }
}
