import { createLogger, setLogFormatter, type Logger } from '../../functions/src/logger';
import {
  chooseLogFormat,
  describeDatabase,
  prettyFormatter,
  startBlock,
  startFields,
  useColour,
  withoutPassword,
  type StartInfo,
} from '../../local/log-format';

const ANSI = /\x1b\[/; // eslint-disable-line no-control-regex
const AT = new Date(2026, 11, 24, 9, 5, 7, 42);
const REQUEST_ID = '1a2b3c4d-5555-4666-8777-888899990000';

const capture = (level: 'debug' | 'info' = 'info'): { lines: string[]; log: Logger } => {
  const lines: string[] = [];
  return { lines, log: createLogger(level, { requestId: REQUEST_ID }, (line) => lines.push(line)) };
};

const pretty = (colour: boolean): void => setLogFormatter(prettyFormatter({ colour, now: () => AT, cwd: '/srv/app' }));

afterEach(() => setLogFormatter());

describe('JSON lines (Cloud Functions, and npm start into a pipe)', () => {
  it('are exactly what Cloud Logging parsed before: severity, message, then the fields', () => {
    const { lines, log } = capture();
    log.warn('careful', { n: 1, 'logging.googleapis.com/trace': 'projects/p/traces/t' });
    expect(lines).toEqual([
      `${JSON.stringify({ severity: 'WARNING', message: 'careful', requestId: REQUEST_ID, n: 1, 'logging.googleapis.com/trace': 'projects/p/traces/t' })}\n`,
    ]);
  });

  it('come back after another format was used', () => {
    pretty(false);
    setLogFormatter();
    const { lines, log } = capture();
    log.info('again');
    expect(JSON.parse(lines[0]!)).toEqual({ severity: 'INFO', message: 'again', requestId: REQUEST_ID });
  });
});

describe('pretty lines (npm start in a terminal)', () => {
  it('show time, severity, message and the request compactly, with no JSON', () => {
    pretty(false);
    const { lines, log } = capture();
    log.child({ 'logging.googleapis.com/trace': 'projects/p/traces/t' }).info('GET /api/images 401', {
      httpRequest: {
        requestMethod: 'GET',
        requestUrl: '/api/images',
        status: 401,
        latency: '0.004120s',
        remoteIp: '127.0.0.1',
      },
    });
    expect(lines).toEqual(['09:05:07.042 INFO  GET /api/images 401  4.1ms req=1a2b3c4d\n']);
  });

  it('show the important fields, nested ones as dotted keys, and an error as its message and first frame', () => {
    pretty(false);
    const { lines, log } = capture();
    const error = new TypeError('boom');
    error.stack =
      'TypeError: boom\n    at processImage (/srv/app/functions/src/events/process-image.ts:12:3)\n    at x';
    log.error('Processing failed', { imageId: 'img_1', reason: 'not an image', sizes: [1, 2], meta: { w: 3 }, error });
    const [line] = lines;
    expect(line).toBe(
      '09:05:07.042 ERROR Processing failed  imageId=img_1 reason="not an image" sizes=1,2 meta.w=3 req=1a2b3c4d ' +
        'error=TypeError: boom at processImage (functions/src/events/process-image.ts:12:3)\n',
    );
    expect(line).not.toMatch(/[{}]/);
  });

  it('name WARNING and DEBUG, and keep the level filter', () => {
    pretty(false);
    const { lines, log } = capture('info');
    log.debug('hidden');
    log.warn('Image failed', { code: 'IMAGE.NOT_AN_IMAGE' });
    expect(lines).toEqual(['09:05:07.042 WARN  Image failed  code=IMAGE.NOT_AN_IMAGE req=1a2b3c4d\n']);
    const verbose = capture('debug');
    verbose.log.debug('shown');
    expect(verbose.lines[0]).toMatch(/^09:05:07\.042 DEBUG shown/);
  });

  it('redact credential-shaped fields exactly as the JSON does', () => {
    for (const colour of [false, true]) {
      pretty(colour);
      const { lines, log } = capture();
      log.info('x', {
        password: 'p1',
        nested: { Authorization: 'Bearer t', apiKey: 'k9', list: [{ token: 't2' }] },
        ok: 'visible',
      });
      const text = lines.join('');
      for (const secret of ['p1', 'Bearer t', 'k9', 't2']) expect(text).not.toContain(secret);
      expect(text).toContain('visible');
      expect(text).toContain('[redacted]');
    }
  });

  it('are coloured on a terminal, and plain with NO_COLOR or into a pipe', () => {
    pretty(true);
    const { lines, log } = capture();
    log.error('GET /api/images 500', { httpRequest: { status: 500, latency: '0.1s' } });
    expect(lines[0]).toMatch(ANSI);
    expect(lines[0]).toContain('\x1b[31mERROR\x1b[0m');
    expect(lines[0]).toContain('\x1b[31m500\x1b[0m');

    expect(useColour({}, true)).toBe(true);
    expect(useColour({ NO_COLOR: '1' }, true)).toBe(false);
    expect(useColour({ NO_COLOR: '' }, true)).toBe(true);
    expect(useColour({}, false)).toBe(false);
    pretty(useColour({ NO_COLOR: '1' }, true));
    const plain = capture();
    plain.log.error('GET /api/images 500', { httpRequest: { status: 500 }, error: new Error('x') });
    expect(plain.lines[0]).not.toMatch(ANSI);
  });
});

describe('choosing the format', () => {
  it('is pretty on a terminal and JSON into a pipe, unless LOG_FORMAT says', () => {
    expect(chooseLogFormat({}, true)).toBe('pretty');
    expect(chooseLogFormat({}, false)).toBe('json');
    expect(chooseLogFormat({}, undefined)).toBe('json');
    expect(chooseLogFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chooseLogFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(() => chooseLogFormat({ LOG_FORMAT: 'xml' }, true)).toThrow(/LOG_FORMAT/);
  });
});

describe('the start block', () => {
  const info: StartInfo = {
    url: 'http://localhost:8080',
    dataDir: '/srv/app/.data',
    database: { kind: 'sqlite', file: '/srv/app/.data/cutout.db' },
    storageDir: '/srv/app/.data/storage',
    storageUrl: 'http://127.0.0.1:40001',
    remover: { kind: 'local', url: 'http://127.0.0.1:40002' },
  };

  it('says where the product is, where its data lives and which remover cuts out', () => {
    const block = startBlock(info, { colour: false });
    expect(block).toContain('Cutout is running on http://localhost:8080');
    expect(block).toContain('/srv/app/.data\n');
    expect(block).toContain('SQLite /srv/app/.data/cutout.db');
    expect(block).toContain('/srv/app/.data/storage');
    expect(block).toContain('local U²-Netp engine');
    expect(block).not.toMatch(ANSI);
    expect(startBlock(info, { colour: true })).toMatch(ANSI);
    const remote = startBlock(
      { ...info, remover: { kind: 'remote', url: 'https://api.remove.bg' } },
      { colour: false },
    );
    expect(remote).toContain('remove.bg (REMOVE_BG_API_KEY is set)');
    expect(remote).not.toContain('U²-Netp');
  });

  it('never shows a database password', () => {
    const url = 'mysql://cutout:hunter2@db.local:3306/cutout?password=also&ssl=true';
    expect(withoutPassword(url)).toBe('mysql://cutout@db.local:3306/cutout?password=redacted&ssl=true');
    const mysql = { ...info, database: { kind: 'mysql' as const, url, poolSize: 5 } };
    expect(startBlock(mysql, { colour: false })).not.toContain('hunter2');
    expect(JSON.stringify(startFields(mysql))).not.toContain('hunter2');
    expect(describeDatabase(mysql.database)).toBe(
      'MySQL mysql://cutout@db.local:3306/cutout?password=redacted&ssl=true',
    );
    expect(withoutPassword('mysql://a:b@[not a url')).toBe('mysql://…');
  });

  it('is one JSON entry with the same facts for JSON logs', () => {
    const { lines, log } = capture();
    log.info(`Cutout is running on ${info.url}`, startFields(info));
    expect(JSON.parse(lines[0]!)).toMatchObject({
      severity: 'INFO',
      url: 'http://localhost:8080',
      dataDir: '/srv/app/.data',
      database: 'SQLite /srv/app/.data/cutout.db',
      storageDir: '/srv/app/.data/storage',
      remover: 'local U²-Netp engine',
    });
  });
});
