import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ApiError } from './api';
import { download, list, login, logout, remove, upload, UsageError, type Io } from './commands';
import { editsFromFlags, formatOfPath, parseFormat, suitsFormat, type EditFlags } from './edits';
import { loadSession, sessionFile } from './token-store';

const HELP: Record<string, string> = {
  '': `bgremove — background removal from the command line

Usage: bgremove <command> [options]

Commands:
  login                 sign in (asks for email or username and password)
  upload <files…>       upload images, wait for the cutouts, save them beside the inputs,
                        edited if asked (--bg, --blur, --crop, --format…)
  list                  list your images, newest first
  download <id>         save an image as rendered with its edits (--format png|jpg|webp|mask)
  delete <id>           delete an image, its cutout and its renders
  logout                forget the stored session

Options for every command:
  --api <url>           the service (default: the signed-in one, else http://localhost:8080)
  -h, --help            help for a command

The session is kept in $XDG_CONFIG_HOME/bgremove/session.json (mode 0600).`,
  login: `Usage: bgremove login [--email <email or username>]
The password is asked for (or read from standard input when it is not a terminal).`,
  upload: `Usage: bgremove upload <files…> [options] [edits]
Uploads each JPEG, PNG or WebP (at most 22 MB) straight to the bucket through a signed URL,
waits for its cutout and saves it next to the input (or in --out) as <name>-nobg.<format>
(<name>-mask.png for --format mask). Prints: file, image id, saved file.

Options:
  --type auto|person|product|car  what the photos show (default auto)
  --out <dir>                     save the results in this folder
  --no-wait                       upload and print the image ids without waiting (no edits)
  --timeout <seconds>             how long to wait for each cutout (default 120)
  --format png|jpg|webp|mask      the file saved (default png); mask is the cutout's
                                  opacity as a grey PNG

Edits, saved with each image and rendered by the service from its cutout (the remover is
asked once; bgremove download renders the same edits again in any format):
  --bg rrggbb|transparent         a background colour, e.g. --bg ffffff
  --blur <1–100>                  the photo itself, blurred, as background (radius in px)
  --crop                          crop to the subject
  --margin <0–50>%|<0–500>px      space around the subject when cropping, in % of its
                                  longer side or in px (default 0)
  --scale <10–100>%               the subject's size as a share of the canvas (centred)
  --position center|<x>%[,<y>%]   where the subject sits, 0–100% across and down
  --size full|preview|<px>        the longest side, 16–10000 px, never enlarged;
                                  preview is about 0.25 megapixels (default full)
  --quality <1–100>               JPEG and WebP quality (default 90)

Example: bgremove upload photo.jpg --bg ffffff --format jpg --crop --margin 5%
  saves photo-nobg.jpg: the subject on white, cropped to it with a 5% margin.`,
  list: 'Usage: bgremove list [--all]\nPrints id, status, time and file name; --all follows every page.',
  download: `Usage: bgremove download <id> [--format png|jpg|webp|mask] [--out <file or dir>]
Saves the image rendered with its saved edits (background, crop, size…, as set by
bgremove upload or on the web page). The format defaults to that of the --out file's
extension, else png; mask is the cutout's opacity as a grey PNG. Without --out (or with a
folder) the file is named after the original: photo-nobg.png, photo-nobg.jpg, photo-mask.png.`,
  delete:
    'Usage: bgremove delete <id>\nDeletes the original, the cutout, its renders and the thumbnail. It cannot be undone.',
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
        format: { type: 'string' },
        blur: { type: 'string' },
        crop: { type: 'boolean' },
        margin: { type: 'string' },
        scale: { type: 'string' },
        position: { type: 'string' },
        size: { type: 'string' },
        quality: { type: 'string' },
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
      case 'upload': {
        if (positionals.length === 0) throw new UsageError('upload needs at least one file');
        const timeoutSeconds = Number(values.timeout ?? 120);
        if (!(timeoutSeconds > 0)) throw new UsageError('--timeout must be a number of seconds');
        const edits = editsFromFlags(editFlags);
        const format = parseFormat(values.format);
        if (values['no-wait'] && (edits || format))
          throw new UsageError('--no-wait cannot go with edits or --format: they need the finished cutout');
        const failures = await upload(io, {
          files: positionals,
          type: values.type,
          out: values.out,
          download: !values['no-wait'],
          timeoutSeconds,
          edits,
          format,
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
        await download(io, { id, out: values.out, format });
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
      streams.stderr.write(`bgremove: ${error.message}${error.status === 401 ? ' — run: bgremove login' : ''}\n`);
      return 1;
    }
    if (error instanceof Error && 'syscall' in error) {
      // A file that cannot be read or written (a missing folder, no permission).
      streams.stderr.write(`bgremove: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
