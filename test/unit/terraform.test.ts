import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { ConfigError, loadConfig, type Env } from '../../functions/src/config';
import { MAX_UPLOAD_BYTES } from '../../functions/src/core/image';
import { createDeps } from '../../functions/src/deps';
import {
  block,
  blocks,
  expressionOf,
  isObject,
  literalStrings,
  loadTerraform,
  resolve,
  resource,
  resourcesOf,
  selectBranch,
  squash,
  stringSet,
  variableValue,
  type Json,
  type JsonObject,
  type ResolveContext,
  type Terraform,
  parse,
} from '../support/hcl';

/**
 * Policy and consistency checks on terraform/, read with @cdktf/hcl2json (no terraform binary
 * here): the safe settings are present, IAM is least privilege, no secret is in the code, and
 * the functions Terraform deploys are the ones index.ts registers, firebase.json rewrites to and
 * config.ts accepts.
 */
const ROOT = resolvePath(__dirname, '../..');
const TERRAFORM = join(ROOT, 'terraform');
const PROJECT = 'my-project';

interface FunctionRow {
  trigger: string;
  memory: string;
  cpu: string;
  timeout_seconds: number;
  concurrency: number;
  db_pool_size: number;
  secrets: string[];
  env: JsonObject;
}

let tf: Terraform;
let ctx: ResolveContext;
let rows: Record<string, FunctionRow>;

beforeAll(async () => {
  tf = await loadTerraform(TERRAFORM);
  ctx = { tf, inputs: { project_id: PROJECT } };
  rows = functionRows();
});

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const value = (json: Json | undefined): Json | undefined => resolve(ctx, json);
const sorted = (items: Iterable<string>): string[] => [...items].sort();
const IMAGE = 'europe-west1-docker.pkg.dev/my-project/cutout-remover/remover:0123456789abcdef0123';
/** The variables of the self-hosted remover, with the image Cloud Build would set. */
const SELF_HOSTED: Record<string, Json> = { remover: 'self-hosted', remover_image: IMAGE };
const withInputs = (inputs: Record<string, Json>): ResolveContext => ({ tf, inputs: { ...ctx.inputs, ...inputs } });

function functionRows(): Record<string, FunctionRow> {
  const table = tf.locals.functions;
  if (!isObject(table)) throw new Error('local.functions must be a literal object');
  return Object.fromEntries(
    Object.entries(table).map(([name, row]) => {
      if (!isObject(row)) throw new Error(`local.functions.${name} must be an object`);
      const { trigger, memory, cpu, timeout_seconds, concurrency, db_pool_size, secrets, env } = row;
      if (
        typeof trigger !== 'string' ||
        typeof memory !== 'string' ||
        typeof cpu !== 'string' ||
        typeof timeout_seconds !== 'number' ||
        typeof concurrency !== 'number' ||
        typeof db_pool_size !== 'number' ||
        !Array.isArray(secrets) ||
        !isObject(env)
      ) {
        throw new Error(`local.functions.${name} is missing a setting or has one of the wrong type`);
      }
      const parsed: FunctionRow = {
        trigger,
        memory,
        cpu,
        timeout_seconds,
        concurrency,
        db_pool_size,
        secrets: secrets.map(String),
        env,
      };
      return [name, parsed];
    }),
  );
}

/** Functions registered in functions/src/index.ts. */
function registered(): Array<{ name: string; kind: string }> {
  return [...read('functions/src/index.ts').matchAll(/\b(http|cloudEvent)\(\s*'([^']+)'/g)].map((m) => ({
    kind: m[1]!,
    name: m[2]!,
  }));
}

/** firebase.json's function rewrites. */
function rewrites(): Array<{ functionId: string; region: string }> {
  const config = JSON.parse(read('firebase.json')) as {
    hosting: { rewrites: Array<{ function?: { functionId: string; region: string } }> };
  };
  return config.hosting.rewrites.flatMap((rewrite) => (rewrite.function ? [rewrite.function] : []));
}

const httpResource = (): JsonObject => resource(tf, 'google_cloudfunctions2_function', 'http');
const processResource = (): JsonObject => resource(tf, 'google_cloudfunctions2_function', 'process_upload');
const httpNames = (): string[] => Object.keys(rows).filter((name) => rows[name]!.trigger === 'http');

/** The google_cloudfunctions2_function body that deploys `name`. */
function functionResource(name: string): JsonObject {
  return rows[name]?.trigger === 'http' ? httpResource() : processResource();
}

/** A function's setting: `each.*`, its row of local.functions and per-function variables resolved. */
function setting(name: string, json: Json | undefined): Json | undefined {
  const expression = expressionOf(json);
  if (expression === undefined) return json;
  if (expression === 'each.key') return name;
  const row = /^(?:each\.value|local\.functions\.([A-Za-z]+))\.([a-z_]+)$/.exec(expression);
  if (row) {
    if (row[1] !== undefined && row[1] !== name) throw new Error(`${name} reads the settings of ${row[1]}`);
    return (rows[name] as unknown as JsonObject)[row[2]!];
  }
  const perFunction = /^var\.([a-z_]+)\[(?:each\.key|"([A-Za-z]+)")\]$/.exec(expression);
  if (perFunction) {
    if (perFunction[2] !== undefined && perFunction[2] !== name) throw new Error(`${name} reads ${expression}`);
    const map = variableValue(ctx, perFunction[1]!);
    if (!isObject(map)) throw new Error(`var.${perFunction[1]} must be a map`);
    return map[name];
  }
  return value(json);
}

function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/**
 * The local resource name behind `${<type>.<name>.<attribute>}`, or for a counted resource
 * `${<type>.<name>[0].<attribute>}` and `${one(<type>.<name>[*].<attribute>)}`.
 */
function referenced(json: Json | undefined, type: string, attribute: string): string {
  const match =
    new RegExp(`^\\$\\{${type}\\.([a-z_]+)(?:\\[0\\])?\\.${attribute}\\}$`).exec(String(json)) ??
    new RegExp(`^\\$\\{one\\(${type}\\.([a-z_]+)\\[\\*\\]\\.${attribute}\\)\\}$`).exec(String(json));
  if (!match) throw new Error(`expected a reference to ${type}.*.${attribute}, got ${JSON.stringify(json)}`);
  return match[1]!;
}

/**
 * Who an IAM member block grants to, with the given variables: function names, `events`,
 * `storage-agent` or `allUsers` (none when its count or for_each leaves it out).
 */
function grantees(body: JsonObject, settings: ResolveContext = ctx): string[] {
  if ('count' in body && resolve(settings, body.count) === 0) return [];
  const member = String(body.member);
  const one = /^serviceAccount:\$\{google_service_account\.function\["([A-Za-z]+)"\]\.email\}$/.exec(member);
  if (one) return [one[1]!];
  if (member === 'serviceAccount:${google_service_account.function[each.key].email}') {
    return stringSet(selectBranch(settings, body.for_each));
  }
  if (member === 'serviceAccount:${each.value.email}' && body.for_each === '${google_service_account.function}') {
    return Object.keys(rows);
  }
  if (member === 'serviceAccount:${google_service_account.events.email}') return ['events'];
  if (member === 'serviceAccount:${data.google_storage_project_service_account.gcs.email_address}') {
    return ['storage-agent'];
  }
  if (member === 'allUsers') return ['allUsers'];
  throw new Error(`unexpected IAM member ${member}`);
}

/**
 * A function's environment as Terraform sets it (local.function_env, and processUpload's
 * remover settings), values resolved with the given variables.
 */
function terraformEnv(name: string, settings: ResolveContext = ctx): Record<string, string> {
  const base = resolve(settings, tf.locals.base_env);
  const extra = resolve(settings, rows[name]!.env);
  const remover = name === 'processUpload' ? resolve(settings, tf.locals.remover_env) : {};
  if (!isObject(base) || !isObject(extra) || !isObject(remover)) {
    throw new Error('base_env, env and remover_env must be objects');
  }
  // The account ID is "<name_prefix>-<lowercased function name>"; MySQL's user name for a service
  // account is its email without ".gserviceaccount.com".
  const accountId = resource(tf, 'google_service_account', 'function').account_id;
  if (accountId !== '${var.name_prefix}-${lower(each.key)}')
    throw new Error(`unexpected account_id ${String(accountId)}`);
  const env: JsonObject = {
    ...base,
    DB_IAM_USER: `${String(variableValue(ctx, 'name_prefix'))}-${name.toLowerCase()}@${PROJECT}.iam`,
    DB_POOL_SIZE: String(rows[name]!.db_pool_size),
    ...extra,
    ...remover,
  };
  return Object.fromEntries(Object.entries(env).map(([key, item]) => [key, String(item)]));
}

/** The secret environment variables a function gets, for the given variable values. */
function secretKeys(name: string, inputs: Record<string, Json> = {}): string[] {
  const secretEnv = tf.locals.secret_env;
  if (!isObject(secretEnv)) throw new Error('local.secret_env must be an object');
  const rotation: ResolveContext = { tf, inputs: { ...ctx.inputs, ...inputs } };
  return rows[name]!.secrets.filter((key) => {
    const entry = secretEnv[key];
    if (!isObject(entry)) throw new Error(`local.secret_env has no ${key}`);
    return resolve(rotation, entry.version) !== null;
  });
}

/** Environment variable names functions/src/config.ts reads. */
function configNames(): Set<string> {
  const source = read('functions/src/config.ts');
  const reads = source.matchAll(/\b(?:r\.(?:raw|string|int|oneOf|secret)|bucket)\(\s*'([A-Z0-9_]+)'/g);
  return new Set([...reads].map((m) => m[1]!));
}

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  return [...counts.values()].reduce((sum, n) => sum - (n / text.length) * Math.log2(n / text.length), 0);
}

/**
 * Whether text holds something that looks like a key, token or password rather than a setting:
 * a PEM key, a Google API key, or a run of 20+ key characters mixing upper case, lower case and
 * digits, long hex, or close to random (Terraform's names and enums are none of these).
 */
function looksSecret(text: string): boolean {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) || /\bAIza[0-9A-Za-z_-]{30,}/.test(text)) return true;
  return (text.match(/[A-Za-z0-9_=-]{20,}/g) ?? []).some(
    (token) =>
      (/[a-z]/.test(token) && /[A-Z]/.test(token) && /\d/.test(token)) ||
      /^[0-9a-f]{32,}$/i.test(token) ||
      entropy(token) >= 4.5,
  );
}

describe('terraform/ files', () => {
  it('parses every .tf file, split by concern', () => {
    const files = readdirSync(TERRAFORM).filter((file) => file.endsWith('.tf'));
    expect(sorted(Object.keys(tf.sources))).toEqual(sorted(files));
    for (const file of [
      'versions.tf',
      'backend.tf',
      'variables.tf',
      'outputs.tf',
      'apis.tf',
      'storage.tf',
      'sql.tf',
      'firestore.tf',
      'secrets.tf',
      'iam.tf',
      'functions.tf',
      'hosting.tf',
    ]) {
      expect(files).toContain(file);
    }
  });

  it('pins Terraform and every provider', () => {
    const settings = tf.settings.find((s) => 'required_providers' in s);
    expect(settings?.required_version).toMatch(/^>=\s*1\.([6-9]|\d{2,})/);
    const providers = blocks(settings!, 'required_providers')[0]!;
    const pins: Record<string, [string, RegExp]> = {
      google: ['hashicorp/google', /^~>\s*6\.\d+$/],
      'google-beta': ['hashicorp/google-beta', /^~>\s*6\.\d+$/],
      random: ['hashicorp/random', /^~>\s*\d+\.\d+$/],
      archive: ['hashicorp/archive', /^~>\s*\d+\.\d+$/],
    };
    for (const [name, [source, version]] of Object.entries(pins)) {
      const provider = providers[name];
      expect(isObject(provider) && provider.source).toBe(source);
      expect(isObject(provider) && String(provider.version)).toMatch(version);
    }
  });

  it('keeps state in a GCS backend configured at init', () => {
    const backends = tf.settings.flatMap((s) => blocks(s, 'backend'));
    expect(backends).toHaveLength(1);
    expect(Object.keys(backends[0]!)).toEqual(['gcs']);
    // A partial configuration: the bucket is passed with -backend-config, never committed.
    expect(JSON.stringify(backends[0]!.gcs)).not.toContain('bucket');
  });

  it('gives every variable a description and a type, and validates the important ones', () => {
    for (const [name, variable] of Object.entries(tf.variables)) {
      expect([name, typeof variable.description]).toEqual([name, 'string']);
      expect([name, typeof variable.type]).toEqual([name, 'string']);
    }
    for (const name of [
      'project_id',
      'region',
      'site_id',
      'allowed_origins',
      'sql_tier',
      'sql_edition',
      'function_max_instances',
      'remover',
      'remover_image',
    ]) {
      expect([name, blocks(tf.variables[name]!, 'validation').length > 0]).toEqual([name, true]);
    }
    expect('default' in tf.variables.project_id!).toBe(false);
  });

  it('has safe defaults', () => {
    expect(variableValue(ctx, 'region')).toBe('europe-west1');
    expect(variableValue(ctx, 'deletion_protection')).toBe(true);
    expect(variableValue(ctx, 'sql_edition')).toBe('ENTERPRISE');
    expect(['db-f1-micro', 'db-g1-small']).toContain(variableValue(ctx, 'sql_tier'));
    expect(variableValue(ctx, 'sql_availability_type')).toBe('ZONAL');
    expect(variableValue(ctx, 'allowed_origins')).toEqual([]);
    expect(variableValue(ctx, 'token_signing_key_previous_version')).toBeNull();
  });

  it('ships a terraform.tfvars.example that sets only declared variables', async () => {
    const example = readFileSync(join(TERRAFORM, 'terraform.tfvars.example'), 'utf8');
    const assigned = Object.keys((await parse('terraform.tfvars.example', example)) as JsonObject);
    expect(assigned).toContain('project_id');
    for (const name of assigned) expect(Object.keys(tf.variables)).toContain(name);
    expect(looksSecret(example)).toBe(false);
  });

  it('outputs the site, the function URLs, the buckets and the connection name', () => {
    for (const name of [
      'site_url',
      'function_urls',
      'uploads_bucket',
      'results_bucket',
      'sql_instance_connection_name',
      'db_grant_users',
      'hosting_site_id',
    ]) {
      expect([name, typeof tf.outputs[name]?.description]).toEqual([name, 'string']);
    }
  });
});

describe('services and storage', () => {
  it('enables the APIs the deployment uses, and keeps them on destroy', () => {
    const apis = resource(tf, 'google_project_service', 'enabled');
    expect(stringSet(apis.for_each)).toEqual(
      expect.arrayContaining([
        'artifactregistry.googleapis.com',
        'cloudbuild.googleapis.com',
        'cloudfunctions.googleapis.com',
        'eventarc.googleapis.com',
        'firebase.googleapis.com',
        'firebasehosting.googleapis.com',
        'firestore.googleapis.com',
        'iamcredentials.googleapis.com',
        'pubsub.googleapis.com',
        'run.googleapis.com',
        'secretmanager.googleapis.com',
        'sqladmin.googleapis.com',
        'storage.googleapis.com',
      ]),
    );
    expect(apis.disable_on_destroy).toBe(false);
  });

  it('locks every bucket down: uniform access, public access prevention, no force destroy, no versioning', () => {
    const buckets = resourcesOf(tf, 'google_storage_bucket');
    expect(sorted(buckets.map((b) => b.name))).toEqual(['results', 'sources', 'uploads']);
    for (const { name, body } of buckets) {
      expect([name, body.uniform_bucket_level_access, body.public_access_prevention, body.force_destroy]).toEqual([
        name,
        true,
        'enforced',
        false,
      ]);
      expect([name, block(body, 'versioning').enabled]).toEqual([name, false]);
      expect([name, value(body.location)]).toEqual([name, 'EUROPE-WEST1']);
    }
  });

  it('lets the site PUT to the uploads bucket with the signed headers and GET both buckets, nothing else cross-origin', () => {
    const [put, get] = blocks(resource(tf, 'google_storage_bucket', 'uploads'), 'cors');
    expect(put!.method).toEqual(['PUT']);
    expect(sorted(put!.response_header as string[])).toEqual(
      sorted(['Content-Type', 'x-goog-content-length-range', 'x-goog-if-generation-match']),
    );
    // The editor reads the original, the cutout and the mask into a canvas.
    const results = blocks(resource(tf, 'google_storage_bucket', 'results'), 'cors');
    expect(results).toHaveLength(1);
    for (const read of [get!, results[0]!]) {
      expect(read.method).toEqual(['GET']);
      expect(read.response_header).toEqual(['Content-Type']);
    }
    for (const rule of [put!, get!, results[0]!]) expect(rule.origin).toBe('${local.cors_origins}');
    const origins = String(tf.locals.cors_origins);
    expect(origins).toContain('https://${local.site_id}.web.app');
    expect(origins).toContain('https://${local.site_id}.firebaseapp.com');
    expect(origins).toContain('var.allowed_origins');
    expect(origins).not.toContain('*');
    expect(blocks(resource(tf, 'google_storage_bucket', 'sources'), 'cors')).toEqual([]);
  });

  it('aborts abandoned uploads after a day', () => {
    const rules = blocks(resource(tf, 'google_storage_bucket', 'uploads'), 'lifecycle_rule');
    const abandoned = rules.find((rule) => block(rule, 'action').type === 'AbortIncompleteMultipartUpload');
    expect(abandoned && block(abandoned, 'condition').age).toBe(1);
  });
});

describe('Cloud SQL', () => {
  const instance = (): JsonObject => resource(tf, 'google_sql_database_instance', 'main');
  const settings = (): JsonObject => block(instance(), 'settings');

  it('is MySQL 8.0 with an explicit edition and a small tier', () => {
    expect(instance().database_version).toBe('MYSQL_8_0');
    expect(value(settings().edition)).toBe('ENTERPRISE');
    expect(['db-f1-micro', 'db-g1-small']).toContain(value(settings().tier));
  });

  it('is protected from deletion, in Terraform and in Google Cloud', () => {
    expect(value(instance().deletion_protection)).toBe(true);
    expect(value(settings().deletion_protection_enabled)).toBe(true);
  });

  it('keeps backups and the binary log for point-in-time recovery, with a maintenance window', () => {
    const backups = block(settings(), 'backup_configuration');
    expect([backups.enabled, backups.binary_log_enabled]).toEqual([true, true]);
    const window = block(settings(), 'maintenance_window');
    expect(typeof window.day).toBe('number');
    expect(typeof window.hour).toBe('number');
  });

  it('is reachable only through the connectors, with IAM database authentication', () => {
    const ip = block(settings(), 'ip_configuration');
    expect(ip.ipv4_enabled).toBe(true);
    expect(ip.ssl_mode).toBe('TRUSTED_CLIENT_CERTIFICATE_REQUIRED');
    expect(blocks(ip, 'authorized_networks')).toEqual([]);
    expect(JSON.stringify(ip)).not.toContain('authorized_networks');
    expect(settings().connector_enforcement).toBe('REQUIRED');
    const flags = Object.fromEntries(blocks(settings(), 'database_flags').map((flag) => [flag.name, flag.value]));
    expect(flags.cloudsql_iam_authentication).toBe('on');
    expect(flags.max_connections).toBe('${tostring(var.sql_max_connections)}');
  });

  it('holds the cutout database in utf8mb4 with a binary collation', () => {
    const database = resource(tf, 'google_sql_database', 'cutout');
    expect(value(database.name)).toBe('cutout');
    expect([database.charset, database.collation]).toEqual(['utf8mb4', 'utf8mb4_bin']);
  });

  it('has an IAM database user per function account, named as MySQL expects', () => {
    const users = resource(tf, 'google_sql_user', 'iam');
    expect(users.for_each).toBe('${google_service_account.function}');
    expect(users.type).toBe('CLOUD_IAM_SERVICE_ACCOUNT');
    expect(users.name).toBe('${trimsuffix(each.value.email, ".gserviceaccount.com")}');
    expect(resource(tf, 'google_service_account', 'function').for_each).toBe('${local.functions}');
  });

  it('has a built-in migrator user whose generated password is kept in Secret Manager', () => {
    const migrator = resource(tf, 'google_sql_user', 'migrator');
    expect(migrator.name).toBe('migrator');
    expect(migrator.password).toBe('${random_password.migrator.result}');
    expect(migrator.type).toBeUndefined();
    const password = resource(tf, 'random_password', 'migrator');
    expect(Number(password.length)).toBeGreaterThanOrEqual(32);
    const version = resource(tf, 'google_secret_manager_secret_version', 'migrator_password');
    expect(version.secret_data).toBe('${random_password.migrator.result}');
    expect(referenced(version.secret, 'google_secret_manager_secret', 'id')).toBe('migrator_password');
  });
});

describe('Firestore', () => {
  it('is the native (default) database, protected from deletion', () => {
    const database = resource(tf, 'google_firestore_database', 'main');
    expect([database.name, database.type]).toEqual(['(default)', 'FIRESTORE_NATIVE']);
    expect(database.delete_protection_state).toBe('DELETE_PROTECTION_ENABLED');
    expect(value(database.location_id)).toBe('europe-west1');
  });

  it('expires rateLimits, jobs and claims by their expireAt field, as the adapters write it', () => {
    const limiter = read('functions/src/adapters/firestore-rate-limiter.ts');
    const ledger = read('functions/src/adapters/firestore-job-ledger.ts');
    expect(limiter).toContain("RATE_LIMIT_COLLECTION = 'rateLimits'");
    expect(limiter).toContain('expireAt:');
    expect(ledger).toContain("JOB_COLLECTION = 'jobs'");
    expect(ledger).toContain(".collection('claims')");
    expect(ledger).toContain('expireAt:');

    const ttl = resourcesOf(tf, 'google_firestore_field').map(({ body }) => {
      expect(blocks(body, 'ttl_config')).toEqual([{}]);
      expect(body.database).toBe('${google_firestore_database.main.name}');
      return `${String(body.collection)}.${String(body.field)}`;
    });
    expect(sorted(ttl)).toEqual(['claims.expireAt', 'jobs.expireAt', 'rateLimits.expireAt']);
  });
});

describe('secrets', () => {
  it('declares the remove.bg and token-signing secrets, replicated automatically', () => {
    const secrets = resourcesOf(tf, 'google_secret_manager_secret');
    expect(sorted(secrets.map(({ body }) => String(body.secret_id)))).toEqual([
      'db-migrator-password',
      'remove-bg-api-key',
      'token-signing-key',
      'token-signing-key-previous',
    ]);
    for (const { body } of secrets) expect(blocks(block(body, 'replication'), 'auto')).toEqual([{}]);
  });

  it('adds a secret version only for the generated migrator password', () => {
    const versions = resourcesOf(tf, 'google_secret_manager_secret_version');
    expect(versions.map(({ name }) => name)).toEqual(['migrator_password']);
  });

  it('holds no secret values: no key-like literals, no passwords that are not generated', () => {
    const leaks = tf.resources
      .concat(tf.data)
      .flatMap(({ type, name, body }) => literalStrings(body, `${type}.${name}`))
      .concat(literalStrings(tf.locals, 'locals'))
      .concat(Object.entries(tf.variables).flatMap(([name, body]) => literalStrings(body.default, `var.${name}`)))
      .filter(({ text }) => looksSecret(text));
    expect(leaks).toEqual([]);
    for (const [file, source] of Object.entries(tf.sources)) expect([file, looksSecret(source)]).toEqual([file, false]);

    const sensitive = /password|secret_data|private_key|api_key|credentials/;
    for (const { type, name, body } of tf.resources) {
      for (const [key, item] of Object.entries(body)) {
        if (!sensitive.test(key) || typeof item !== 'string') continue;
        expect([`${type}.${name}.${key}`, item]).toEqual([
          `${type}.${name}.${key}`,
          '${random_password.migrator.result}',
        ]);
      }
    }
  });

  it('only references secrets that Terraform declares', () => {
    const declared = new Set(resourcesOf(tf, 'google_secret_manager_secret').map(({ name }) => name));
    const secretEnv = tf.locals.secret_env;
    if (!isObject(secretEnv)) throw new Error('local.secret_env must be an object');
    for (const [key, entry] of Object.entries(secretEnv)) {
      expect(isObject(entry)).toBe(true);
      const secret = referenced((entry as JsonObject).secret, 'google_secret_manager_secret', 'secret_id');
      expect([key, declared.has(secret)]).toEqual([key, true]);
    }
    for (const [name, row] of Object.entries(rows)) {
      for (const key of row.secrets) expect([name, key in secretEnv]).toEqual([name, true]);
    }
  });
});

describe('IAM', () => {
  const iamMembers = (): Array<{ type: string; name: string; body: JsonObject }> =>
    tf.resources.filter(({ type }) => /_iam_member$/.test(type));

  it('uses only additive bindings', () => {
    expect(tf.resources.filter(({ type }) => /_iam_(binding|policy)$/.test(type))).toEqual([]);
  });

  it('is public only where Hosting needs it: run.invoker on the five HTTP functions', () => {
    const everything = JSON.stringify(tf.resources.concat(tf.data));
    const publicBindings = iamMembers().filter(({ body }) =>
      /allUsers|allAuthenticatedUsers/.test(JSON.stringify(body)),
    );
    expect(publicBindings.map(({ type, name }) => `${type}.${name}`)).toEqual([
      'google_cloud_run_service_iam_member.public_http',
    ]);
    expect(everything.match(/allUsers|allAuthenticatedUsers/g)).toHaveLength(1);
    const [binding] = publicBindings;
    expect(binding!.body.role).toBe('roles/run.invoker');
    expect(binding!.body.member).toBe('allUsers');
    expect(binding!.body.for_each).toBe('${google_cloudfunctions2_function.http}');
    expect(binding!.body.service).toBe('${each.value.service_config[0].service}');
    expect(squash(String(httpResource().for_each))).toBe(
      '${{ for name, fn in local.functions : name => fn if fn.trigger == "http" }}',
    );
    expect(sorted(httpNames())).toEqual(
      sorted(['register', 'login', 'upload', 'images', 'edit', 'archive', 'account', 'delete']),
    );
  });

  it('grants project-wide only what has no narrower scope, and never a storage role', () => {
    const allowed: Record<string, string[]> = {
      'roles/cloudsql.client': sorted(Object.keys(rows)),
      'roles/cloudsql.instanceUser': sorted(Object.keys(rows)),
      'roles/datastore.user': sorted(['login', 'account', 'upload', 'images', 'delete', 'processUpload']),
      'roles/eventarc.eventReceiver': ['events'],
      'roles/pubsub.publisher': ['storage-agent'],
    };
    const granted: Record<string, string[]> = {};
    for (const { body } of resourcesOf(tf, 'google_project_iam_member')) {
      const role = String(body.role);
      expect(role).not.toMatch(/^roles\/(storage\.|owner|editor|iam\.serviceAccountTokenCreator)/);
      granted[role] = sorted([...(granted[role] ?? []), ...grantees(body)]);
    }
    expect(granted).toEqual(allowed);
  });

  it('scopes storage roles to buckets, as each function uses them', () => {
    const grants = resourcesOf(tf, 'google_storage_bucket_iam_member').flatMap(({ body }) =>
      grantees(body).map(
        (who) => `${who} ${referenced(body.bucket, 'google_storage_bucket', 'name')} ${String(body.role)}`,
      ),
    );
    expect(sorted(grants)).toEqual(
      sorted([
        'upload uploads roles/storage.objectUser',
        'images uploads roles/storage.objectViewer',
        'images results roles/storage.objectViewer',
        'edit uploads roles/storage.objectViewer',
        'edit results roles/storage.objectUser',
        'archive uploads roles/storage.objectViewer',
        'archive results roles/storage.objectUser',
        'account uploads roles/storage.objectUser',
        'account results roles/storage.objectUser',
        'delete uploads roles/storage.objectUser',
        'delete results roles/storage.objectUser',
        'processUpload uploads roles/storage.objectViewer',
        'processUpload results roles/storage.objectUser',
      ]),
    );
  });

  it('lets the signing functions sign as themselves, and only as themselves', () => {
    const [signing, ...others] = resourcesOf(tf, 'google_service_account_iam_member');
    expect(others).toEqual([]);
    expect(signing!.body.role).toBe('roles/iam.serviceAccountTokenCreator');
    expect(signing!.body.service_account_id).toBe('${google_service_account.function[each.key].name}');
    expect(signing!.body.member).toBe('serviceAccount:${google_service_account.function[each.key].email}');
    expect(sorted(stringSet(selectBranch(ctx, signing!.body.for_each)))).toEqual(
      sorted(['upload', 'images', 'edit', 'processUpload']),
    );
    // The self-hosted remover is sent the bytes: processUpload then signs no URL.
    expect(sorted(stringSet(selectBranch(withInputs(SELF_HOSTED), signing!.body.for_each)))).toEqual(
      sorted(['upload', 'images', 'edit']),
    );
  });

  it.each([
    ['removebg', {}],
    ['self-hosted', SELF_HOSTED],
  ])('gives each secret to exactly the functions that read it (remover = %s)', (remover, inputs) => {
    const settings = withInputs({ ...inputs, token_signing_key_previous_version: '1' });
    const secretEnv = tf.locals.secret_env as JsonObject;
    const expected: Record<string, string[]> = {};
    for (const name of Object.keys(rows)) {
      for (const key of secretKeys(name, settings.inputs)) {
        const secret = referenced((secretEnv[key] as JsonObject).secret, 'google_secret_manager_secret', 'secret_id');
        expected[secret] = sorted([...(expected[secret] ?? []), name]);
      }
    }
    const granted: Record<string, string[]> = {};
    for (const { body } of resourcesOf(tf, 'google_secret_manager_secret_iam_member')) {
      expect(body.role).toBe('roles/secretmanager.secretAccessor');
      const secret = referenced(body.secret_id, 'google_secret_manager_secret', 'secret_id');
      const who = grantees(body, settings);
      if (who.length > 0) granted[secret] = sorted([...(granted[secret] ?? []), ...who]);
    }
    expect(granted).toEqual(expected);
    expect(expected['remove_bg_api_key']).toEqual(remover === 'removebg' ? ['processUpload'] : undefined);
  });

  it('lets only the trigger identity invoke processUpload', () => {
    const invoker = resource(tf, 'google_cloud_run_service_iam_member', 'events_invoke_process_upload');
    expect(invoker.role).toBe('roles/run.invoker');
    expect(grantees(invoker)).toEqual(['events']);
    expect(invoker.service).toBe('${google_cloudfunctions2_function.process_upload.service_config[0].service}');
    expect(resourcesOf(tf, 'google_cloud_run_service_iam_member')).toHaveLength(2);
  });
});

describe('functions', () => {
  it('deploys exactly the registered functions, under their registered names', () => {
    const names = registered().map(({ name }) => name);
    expect(sorted(Object.keys(rows))).toEqual(sorted(names));
    for (const { name, kind } of registered()) {
      expect([name, rows[name]!.trigger === 'http']).toEqual([name, kind === 'http']);
      const fn = functionResource(name);
      expect([name, setting(name, fn.name), setting(name, block(fn, 'build_config').entry_point)]).toEqual([
        name,
        name,
        name,
      ]);
    }
  });

  it('matches the firebase.json rewrites, in the same region', () => {
    const targets = rewrites();
    expect(sorted(new Set(targets.map((target) => target.functionId)))).toEqual(sorted(httpNames()));
    for (const target of targets) expect(target.region).toBe(variableValue(ctx, 'region'));
    expect(httpResource().location).toBe('${var.region}');
    expect(processResource().location).toBe('${var.region}');
  });

  it('builds every function from the zipped dist/functions on Node.js 20', () => {
    const archive = tf.data.find(({ type, name }) => type === 'archive_file' && name === 'functions');
    expect(archive?.body.source_dir).toBe('${path.module}/../dist/functions');
    expect(archive?.body.type).toBe('zip');
    for (const fn of [httpResource(), processResource()]) {
      const build = block(fn, 'build_config');
      expect(build.runtime).toBe('nodejs20');
      const source = block(block(build, 'source'), 'storage_source');
      expect(source.bucket).toBe('${google_storage_bucket.sources.name}');
      expect(source.object).toBe('${google_storage_bucket_object.functions.name}');
    }
  });

  it('runs each function as its own service account', () => {
    for (const name of Object.keys(rows)) {
      const email = String(block(functionResource(name), 'service_config').service_account_email);
      expect(email.replace('[each.key]', `["${name}"]`)).toBe(`\${google_service_account.function["${name}"].email}`);
    }
  });

  it('opens the HTTP functions to Hosting and keeps processUpload internal, behind its retried trigger', () => {
    expect(block(httpResource(), 'service_config').ingress_settings).toBe('ALLOW_ALL');
    expect(block(processResource(), 'service_config').ingress_settings).toBe('ALLOW_INTERNAL_ONLY');
    expect(blocks(httpResource(), 'event_trigger')).toEqual([]);
    const trigger = block(processResource(), 'event_trigger');
    expect(trigger.event_type).toBe('google.cloud.storage.object.v1.finalized');
    expect(trigger.retry_policy).toBe('RETRY_POLICY_RETRY');
    expect(trigger.service_account_email).toBe('${google_service_account.events.email}');
    expect(blocks(trigger, 'event_filters')).toEqual([
      { attribute: 'bucket', value: '${google_storage_bucket.uploads.name}' },
    ]);
  });

  it('sizes memory, CPU, timeout and concurrency per function', () => {
    for (const name of Object.keys(rows)) {
      const service = block(functionResource(name), 'service_config');
      const concurrency = Number(setting(name, service.max_instance_request_concurrency));
      const cpu = Number(setting(name, service.available_cpu));
      const memory = mebibytes(String(setting(name, service.available_memory)));
      expect([name, concurrency >= 1, Number(setting(name, service.max_instance_count)) >= 1]).toEqual([
        name,
        true,
        true,
      ]);
      // More than one request at a time needs at least one whole CPU.
      if (concurrency > 1) expect([name, cpu >= 1]).toEqual([name, true]);
      expect([name, memory >= 256]).toEqual([name, true]);
    }
    // bcrypt holds the CPU for the whole request.
    expect([rows.register!.concurrency, rows.login!.concurrency]).toEqual([1, 1]);
    const processing = block(processResource(), 'service_config');
    expect(mebibytes(String(setting('processUpload', processing.available_memory)))).toBeGreaterThanOrEqual(1024);
    expect(setting('processUpload', processing.timeout_seconds)).toBe(300);
  });

  it('keeps processUpload’s job lease longer than its timeout', () => {
    // Every secret config.ts could ask for is supplied: which ones it requires is the next tests' concern.
    const config = loadConfig({
      ...terraformEnv('processUpload'),
      REMOVE_BG_API_KEY: 'k'.repeat(32),
      TOKEN_SIGNING_KEY: 'k'.repeat(32),
    });
    expect(config.processing.leaseSeconds).toBeGreaterThan(rows.processUpload!.timeout_seconds);
    expect(blocks(block(processResource(), 'lifecycle'), 'precondition')).toHaveLength(1);
  });

  it('sets the environment Terraform computes for each function', () => {
    expect(block(httpResource(), 'service_config').environment_variables).toBe('${local.function_env[each.key]}');
    // processUpload also gets the remover's settings; terraformEnv() adds them the same way.
    expect(block(processResource(), 'service_config').environment_variables).toBe(
      '${merge(local.function_env["processUpload"], local.remover_env)}',
    );
    // terraformEnv() mirrors this expression; if it changes, so must the mirror.
    expect(squash(String(tf.locals.function_env))).toBe(
      squash(`\${{
        for name, fn in local.functions : name => merge(local.base_env, {
          DB_IAM_USER = google_sql_user.iam[name].name
          DB_POOL_SIZE = tostring(fn.db_pool_size)
        }, fn.env)
      }}`),
    );
    for (const fn of [httpResource(), processResource()]) {
      const dynamic = block(block(block(fn, 'service_config'), 'dynamic'), 'secret_environment_variables');
      expect(String(dynamic.for_each)).toMatch(/^\$\{local\.function_secret_env\[(each\.key|"processUpload")\]\}$/);
      expect(block(dynamic, 'content').key).toBe('${secret_environment_variables.key}');
    }
    expect(squash(String(tf.locals.function_secret_env))).toContain(
      'for key in fn.secrets : key => local.secret_env[key] if local.secret_env[key].version != null',
    );
  });

  it('sets no environment variable that config.ts does not read', () => {
    const known = configNames();
    expect(known.size).toBeGreaterThan(20);
    for (const inputs of [{}, SELF_HOSTED]) {
      for (const name of Object.keys(rows)) {
        const names = [
          ...Object.keys(terraformEnv(name, withInputs(inputs))),
          ...secretKeys(name, { ...inputs, token_signing_key_previous_version: '1' }),
        ];
        expect([name, names.filter((key) => !known.has(key))]).toEqual([name, []]);
      }
    }
  });

  const platformEnv = (name: string): Env => ({ FUNCTION_TARGET: name, K_SERVICE: name.toLowerCase() });
  const secretValues = (keys: string[]): Env =>
    Object.fromEntries(keys.map((key) => [key, `placeholder-${key.toLowerCase()}`.padEnd(40, '-')]));

  it.each(['register', 'login', 'upload', 'images', 'edit', 'archive', 'account', 'delete', 'processUpload'])(
    'gives %s a configuration config.ts accepts in production',
    (name) => {
      const variants: Array<Record<string, Json>> = [{}, { token_signing_key_previous_version: '2' }, SELF_HOSTED];
      for (const inputs of variants) {
        const env: Env = {
          ...platformEnv(name),
          ...terraformEnv(name, withInputs(inputs)),
          ...secretValues(secretKeys(name, inputs)),
        };
        let problems: string[] = [];
        try {
          const config = loadConfig(env);
          expect(config.nodeEnv).toBe('production');
          expect(config.database).toMatchObject({
            kind: 'cloudsql',
            instance: `${PROJECT}:europe-west1:cutout-mysql`,
            user: `cutout-${name.toLowerCase()}@${PROJECT}.iam`,
            database: 'cutout',
            poolSize: rows[name]!.db_pool_size,
          });
          expect(config.storage).toMatchObject({
            uploadsBucket: `${PROJECT}-cutout-uploads`,
            resultsBucket: `${PROJECT}-cutout-results`,
          });
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          problems = error.problems;
        }
        expect({ function: name, inputs, problems }).toEqual({ function: name, inputs, problems: [] });
      }
    },
  );

  it('fits every instance’s connection pool within the Cloud SQL connection limit', () => {
    const limits = variableValue(ctx, 'function_max_instances');
    if (!isObject(limits)) throw new Error('function_max_instances must default to a map');
    const needed = Object.entries(rows).reduce((sum, [name, row]) => sum + Number(limits[name]) * row.db_pool_size, 0);
    const maxConnections = Number(variableValue(ctx, 'sql_max_connections'));
    const reserved = Number(tf.locals.sql_reserved_connections);
    expect(reserved).toBeGreaterThanOrEqual(10);
    expect(needed).toBeLessThan(maxConnections);
    expect(needed).toBeLessThanOrEqual(maxConnections - reserved);
    // The same arithmetic guards every plan.
    expect(squash(String(tf.locals.sql_connections_needed))).toBe(
      '${sum([for name, fn in local.functions : var.function_max_instances[name] * fn.db_pool_size])}',
    );
    const preconditions = blocks(
      block(resource(tf, 'google_sql_database_instance', 'main'), 'lifecycle'),
      'precondition',
    );
    expect(preconditions.map((p) => p.condition)).toContain(
      '${local.sql_connections_needed <= local.sql_connection_budget}',
    );
    // Under max_connections = 250, the default of db-f1-micro, the smallest tier.
    expect(maxConnections).toBeLessThanOrEqual(250);
  });
});

describe('the remover choice', () => {
  const remover = (): JsonObject => resource(tf, 'google_cloud_run_v2_service', 'remover');
  const template = (): JsonObject => block(remover(), 'template');
  const container = (): JsonObject => block(template(), 'containers');
  const counted = (type: string, name: string, settings: ResolveContext): unknown =>
    resolve(settings, resource(tf, type, name).count);
  const selfHosted = (): ResolveContext => withInputs(SELF_HOSTED);

  it('is a validated variable, remove.bg unless chosen otherwise', () => {
    const variable = tf.variables.remover!;
    expect(variable.default).toBe('removebg');
    expect(typeof variable.description).toBe('string');
    expect(String(block(variable, 'validation').condition)).toBe(
      '${contains(["removebg", "self-hosted"], var.remover)}',
    );
    expect(tf.variables.remover_image!.default).toBeNull();
    expect(blocks(tf.variables.remover_image!, 'validation')).toHaveLength(1);
  });

  it('by default deploys no remover of its own and keeps the remove.bg key for processUpload', () => {
    for (const [type, name] of [
      ['google_cloud_run_v2_service', 'remover'],
      ['google_service_account', 'remover'],
      ['google_cloud_run_v2_service_iam_member', 'process_upload_invokes_remover'],
    ] as const) {
      expect([type, counted(type, name, ctx)]).toEqual([type, 0]);
    }
    expect(counted('google_secret_manager_secret', 'remove_bg_api_key', ctx)).toBe(1);
    expect(secretKeys('processUpload')).toEqual(['REMOVE_BG_API_KEY']);
    expect(terraformEnv('processUpload')).toMatchObject({
      REMOVE_BG_URL: 'https://api.remove.bg',
      REMOVE_BG_AUTH: 'api-key',
      REMOVE_BG_INPUT: 'url',
    });
  });

  it('self-hosted deploys the image as a private Cloud Run service, sized for one photo at a time', () => {
    for (const [type, name] of [
      ['google_cloud_run_v2_service', 'remover'],
      ['google_service_account', 'remover'],
      ['google_cloud_run_v2_service_iam_member', 'process_upload_invokes_remover'],
    ] as const) {
      expect([type, counted(type, name, selfHosted())]).toEqual([type, 1]);
    }
    // All ingress, but only callers with run.invoker get through (see the next test): processUpload
    // has no VPC egress, so internal-only ingress would refuse it.
    expect(remover().ingress).toBe('INGRESS_TRAFFIC_ALL');
    expect(remover().invoker_iam_disabled).toBeUndefined();
    expect(remover().default_uri_disabled).toBeUndefined();
    expect(template().service_account).toBe('${google_service_account.remover[0].email}');
    expect(container().image).toBe('${var.remover_image}');
    expect(resolve(selfHosted(), container().image)).toBe(IMAGE);
    expect(template().max_instance_request_concurrency).toBe(1);
    const scaling = block(template(), 'scaling');
    expect(scaling.min_instance_count).toBe(0);
    expect(scaling.max_instance_count).toBe('${var.function_max_instances["processUpload"]}');
    const resources = block(container(), 'resources');
    expect(resources.cpu_idle).toBe(true);
    const limits = resources.limits as JsonObject;
    expect(limits.cpu).toBe('2');
    expect(mebibytes(String(limits.memory))).toBeGreaterThanOrEqual(2048);
    // It answers within processUpload's per-call timeout, and takes its largest upload in one
    // request (Cloud Run's HTTP/1 request limit is 32 MiB).
    const timeout = Number(/^(\d+)s$/.exec(String(template().timeout))?.[1]);
    expect(timeout).toBeGreaterThanOrEqual(loadConfig({}).removeBg.timeoutMs / 1000);
    expect(MAX_UPLOAD_BYTES).toBeLessThan(32 * 1024 * 1024);
    const preconditions = blocks(block(remover(), 'lifecycle'), 'precondition');
    expect(preconditions.map((p) => p.condition)).toEqual(['${var.remover_image != null}']);
  });

  it('self-hosted is private: only processUpload’s account may invoke it, and it holds no role itself', () => {
    const bindings = resourcesOf(tf, 'google_cloud_run_v2_service_iam_member');
    expect(bindings.map(({ name }) => name)).toEqual(['process_upload_invokes_remover']);
    const invoker = bindings[0]!.body;
    expect(invoker.role).toBe('roles/run.invoker');
    expect(grantees(invoker, selfHosted())).toEqual(['processUpload']);
    expect(invoker.name).toBe('${google_cloud_run_v2_service.remover[0].name}');
    expect(JSON.stringify(invoker)).not.toMatch(/allUsers|allAuthenticatedUsers/);
    // The remover's account is named by no IAM binding: it reads only what it is sent.
    const everyBinding = tf.resources.filter(({ type }) => /_iam_member$/.test(type));
    for (const { type, name, body } of everyBinding) {
      expect([type, name, String(body.member)]).toEqual([type, name, expect.not.stringContaining('.remover')]);
    }
    // processUpload starts calling only once it may.
    expect(processResource().depends_on).toContain(
      '${google_cloud_run_v2_service_iam_member.process_upload_invokes_remover}',
    );
  });

  it('self-hosted needs no remove.bg key: no secret, no grant, and processUpload starts without one', async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    expect(counted('google_secret_manager_secret', 'remove_bg_api_key', selfHosted())).toBe(0);
    const grant = resource(tf, 'google_secret_manager_secret_iam_member', 'remove_bg_api_key');
    expect(grantees(grant, selfHosted())).toEqual([]);
    expect(secretKeys('processUpload', SELF_HOSTED)).toEqual([]);
    const env = terraformEnv('processUpload', selfHosted());
    expect(env).toMatchObject({
      REMOVE_BG_URL: 'https://cutout-remover-stand1n-ew.a.run.app',
      REMOVE_BG_AUTH: 'id-token',
      // The local server fetches image_url from loopback only, and the remover may read no bucket.
      REMOVE_BG_INPUT: 'file',
    });
    // The ID token's audience is the service's own URL.
    expect(squash(String((tf.locals.remover_env as JsonObject).REMOVE_BG_URL))).toContain(
      'google_cloud_run_v2_service.remover[0].uri',
    );
    const config = loadConfig({ ...env, FUNCTION_TARGET: 'processUpload', K_SERVICE: 'processupload' });
    expect(config.removeBg).toMatchObject({ auth: 'id-token', apiKey: undefined, input: 'file' });
    // The client is made without a key; nothing is asked of any server until a photo arrives.
    const client = await createDeps(config).remover();
    await (client as unknown as { close(): Promise<void> }).close();
  });

  it('keeps an existing remove.bg key in place when the secret became conditional', () => {
    expect(squash(tf.sources['secrets.tf']!)).toContain(
      squash(`moved {
        from = google_secret_manager_secret.remove_bg_api_key
        to   = google_secret_manager_secret.remove_bg_api_key[0]
      }`),
    );
  });

  it('keeps the images in an Artifact Registry repository in the region, pruned to the newest', () => {
    const repository = resource(tf, 'google_artifact_registry_repository', 'remover');
    expect(repository.format).toBe('DOCKER');
    expect(repository.location).toBe('${var.region}');
    expect(value(repository.repository_id)).toBe('cutout-remover');
    const policies = blocks(repository, 'cleanup_policies');
    const keep = policies.find((policy) => policy.action === 'KEEP');
    expect(keep && block(keep, 'most_recent_versions').keep_count).toBeGreaterThanOrEqual(2);
    expect(tf.outputs.remover_repository).toBeDefined();
    expect(tf.outputs.remover_url).toBeDefined();
  });
});

describe('Firebase Hosting', () => {
  it('creates the site in the Firebase project through google-beta', () => {
    const site = resource(tf, 'google_firebase_hosting_site', 'main');
    expect(site.provider).toBe('${google-beta}');
    expect(site.site_id).toBe('${local.site_id}');
    expect(resource(tf, 'google_firebase_project', 'main').provider).toBe('${google-beta}');
  });

  // firebase.json could also be checked against firebase-tools' JSON schema, but firebase-tools
  // is not a dependency here (cloudbuild.yaml runs it with npx), so that check is left out.
});
