import { ConfigError, loadConfig, requireSecret } from '../../functions/src/config';
import { createDeps } from '../../functions/src/deps';

const KEY = 'k'.repeat(40);

describe('loadConfig', () => {
  it('works for local use with only a signing key', () => {
    const config = loadConfig({ TOKEN_SIGNING_KEY: KEY });
    expect(config).toMatchObject({
      nodeEnv: 'development',
      projectId: 'demo-cutout',
      database: { kind: 'sqlite', file: '.data/cutout.db' },
      tokens: { ttlSeconds: 3600, issuer: 'cutout', audience: 'cutout-api' },
      bcryptCost: 12,
      login: { windowSeconds: 900, maxFailuresPerAccount: 10, maxFailuresPerAddress: 100 },
    });
  });

  it('reports every problem at once, by name, without echoing secrets', () => {
    const secretUrl = 'postgres://admin:hunter2-secret@db/x';
    let error: ConfigError | undefined;
    try {
      loadConfig({
        TOKEN_SIGNING_KEY: 'short-secret-value',
        BCRYPT_COST: '9',
        TOKEN_TTL_SECONDS: 'soon',
        LOG_LEVEL: 'loud',
        DATABASE_URL: secretUrl,
      });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'LOG_LEVEL: expected one of debug, info, warning, error, got "loud"',
      expect.stringMatching(/^DATABASE_URL: expected .* got scheme "postgres"$/),
      'TOKEN_SIGNING_KEY: must be at least 32 characters (it has 18)',
      'TOKEN_TTL_SECONDS: expected an integer from 60 to 86400, got "soon"',
      'BCRYPT_COST: expected an integer from 10 to 15, got "9"',
    ]);
    expect(error!.message).not.toContain('short-secret-value');
    expect(error!.message).not.toContain('hunter2');
  });

  it('requires what production needs and refuses development shortcuts there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    try {
      loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'sqlite:x.db', FIRESTORE_EMULATOR_HOST: '127.0.0.1:1' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'FIRESTORE_EMULATOR_HOST: must not be set in production',
        'DATABASE_URL: SQLite is for local use only; production needs MySQL',
        'UPLOADS_BUCKET: required in production, a bucket name',
        'RESULTS_BUCKET: required in production, a bucket name',
      ]);
    }
    expect.assertions(2);
  });

  it('selects Cloud SQL with IAM authentication when an instance is named', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      TOKEN_SIGNING_KEY: KEY,
      CLOUD_SQL_INSTANCE: 'my-project:europe-west1:cutout',
      DB_IAM_USER: 'fn-login@my-project.iam',
      DB_POOL_SIZE: '3',
      UPLOADS_BUCKET: 'my-project-uploads',
      RESULTS_BUCKET: 'my-project-results',
      REMOVE_BG_API_KEY: 'a-remove-bg-key',
    });
    expect(config.database).toEqual({
      kind: 'cloudsql',
      instance: 'my-project:europe-west1:cutout',
      user: 'fn-login@my-project.iam',
      database: 'cutout',
      ipType: 'PUBLIC',
      poolSize: 3,
    });
    expect(config.projectId).toBeUndefined();
    expect(config.storage).toEqual({
      apiEndpoint: undefined,
      uploadsBucket: 'my-project-uploads',
      resultsBucket: 'my-project-results',
      signingKeyFile: undefined,
      signedUrlTtlSeconds: 900,
    });
  });

  it('checks each secret where a function uses it: missing, it fails by name, never with a default', async () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'mysql://u@127.0.0.1:1/x',
      UPLOADS_BUCKET: 'u-b',
      RESULTS_BUCKET: 'r-b',
    });
    const deps = createDeps(config);
    expect(() => deps.tokens).toThrow(/TOKEN_SIGNING_KEY: required by this function/);
    await expect(deps.remover()).rejects.toThrow(/REMOVE_BG_API_KEY: required by this function/);
    expect(() => requireSecret(undefined, 'X')).toThrow(ConfigError);
  });

  it('authenticates to the remover with an API key unless told to use ID tokens', () => {
    expect(loadConfig({}).removeBg).toMatchObject({ baseUrl: 'https://api.remove.bg', auth: 'api-key' });
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ REMOVE_BG_AUTH: 'oauth' })).toEqual([
      'REMOVE_BG_AUTH: expected one of api-key, id-token, got "oauth"',
    ]);
    // An ID token says who we are to whoever receives it: never to remove.bg, never by default.
    const notRemoveBg = ['REMOVE_BG_URL: with REMOVE_BG_AUTH=id-token, the self-hosted remover’s URL (not remove.bg)'];
    expect(problems({ REMOVE_BG_AUTH: 'id-token' })).toEqual(notRemoveBg);
    expect(problems({ REMOVE_BG_AUTH: 'id-token', REMOVE_BG_URL: 'https://api.remove.bg/' })).toEqual(notRemoveBg);
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'mysql://u@h/x',
      UPLOADS_BUCKET: 'u-b',
      RESULTS_BUCKET: 'r-b',
    };
    expect(problems({ ...production, REMOVE_BG_AUTH: 'id-token', REMOVE_BG_URL: 'http://remover.internal' })).toEqual([
      'REMOVE_BG_URL: with REMOVE_BG_AUTH=id-token in production, an https:// URL, got "http://remover.internal"',
    ]);
    const selfHosted = loadConfig({
      ...production,
      REMOVE_BG_AUTH: 'id-token',
      REMOVE_BG_URL: 'https://cutout-remover-abc-ew.a.run.app/',
    }).removeBg;
    expect(selfHosted).toMatchObject({ auth: 'id-token', baseUrl: 'https://cutout-remover-abc-ew.a.run.app' });
    expect(selfHosted.apiKey).toBeUndefined();
  });

  it('makes the ID-token remover without a key deployed, and refuses it where no metadata server is', async () => {
    const env = {
      DATABASE_URL: 'mysql://u@127.0.0.1:1/x',
      UPLOADS_BUCKET: 'u-b',
      RESULTS_BUCKET: 'r-b',
      REMOVE_BG_AUTH: 'id-token',
      REMOVE_BG_URL: 'https://cutout-remover-abc-ew.a.run.app',
    };
    await expect(createDeps(loadConfig(env)).remover()).rejects.toThrow(/REMOVE_BG_AUTH: id-token only deployed/);
    // Made, not used: nothing is asked of the metadata server until a photo arrives.
    const remover = await createDeps(loadConfig({ ...env, NODE_ENV: 'production' })).remover();
    await (remover as unknown as { close(): Promise<void> }).close();
  });

  it('allows a cheap bcrypt cost only under test', () => {
    expect(loadConfig({ NODE_ENV: 'test', TOKEN_SIGNING_KEY: KEY, BCRYPT_COST: '4' }).bcryptCost).toBe(4);
    expect(() => loadConfig({ TOKEN_SIGNING_KEY: KEY, BCRYPT_COST: '4' })).toThrow(/BCRYPT_COST/);
  });
});
