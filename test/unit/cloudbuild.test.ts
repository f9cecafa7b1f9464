import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadTerraform, resource, type Terraform } from '../support/hcl';

/**
 * cloudbuild.yaml: the pipeline's order, the deploy-only steps guarded by the branch, and the
 * names it shares with Terraform (region, the migrator's user and secret, the outputs it reads).
 */
const ROOT = resolve(__dirname, '../..');

interface Step {
  id?: string;
  name: string;
  entrypoint?: string;
  args?: string[];
  dir?: string;
  env?: string[];
  secretEnv?: string[];
}

interface Build {
  steps: Step[];
  availableSecrets?: { secretManager?: Array<{ versionName: string; env: string }> };
  substitutions?: Record<string, string>;
  options?: { logging?: string; logsBucket?: string; dynamicSubstitutions?: boolean };
  logsBucket?: string;
  timeout?: string;
}

const ORDER = [
  'install',
  'lint',
  'typecheck',
  'test',
  'build',
  'terraform-fmt',
  'terraform-init',
  'terraform-validate',
  'terraform-plan',
  'terraform-apply',
  'migrate',
  'deploy-hosting',
];

let build: Build;
let tf: Terraform;

beforeAll(async () => {
  build = parse(readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8')) as Build;
  tf = await loadTerraform(join(ROOT, 'terraform'));
});

function step(id: string): Step {
  const found = build.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

const script = (s: Step): string => (s.args ?? []).join(' ');

describe('cloudbuild.yaml', () => {
  it('parses, and runs its steps in order: checks, build, Terraform, migrations, Hosting', () => {
    expect(Array.isArray(build.steps)).toBe(true);
    expect(build.steps.map((s) => s.id)).toEqual(ORDER);
  });

  it('installs with npm ci and runs lint, typecheck and every test suite under CI=true', () => {
    expect(step('install').args).toEqual(expect.arrayContaining(['ci']));
    expect(step('lint').args).toEqual(['run', 'lint']);
    expect(step('typecheck').args).toEqual(['run', 'typecheck']);
    const test = step('test');
    expect(test.env).toContain('CI=true');
    expect(script(test)).toContain('npm test');
    expect(script(test)).toMatch(/mariadb-server/);
    expect(script(test)).toMatch(/chromium/);
  });

  it('builds the functions artifact and the page before Terraform zips and Hosting publishes them', () => {
    expect(script(step('build'))).toContain('npm run build');
    expect(script(step('build'))).toContain('npm run build:web');
  });

  it('checks formatting, initialises the GCS backend, validates and saves a plan', () => {
    const terraform = build.steps.filter((s) => s.id?.startsWith('terraform-'));
    for (const s of terraform) {
      expect([s.id, s.name, s.dir]).toEqual([s.id, 'hashicorp/terraform:$_TF_VERSION', 'terraform']);
    }
    expect(step('terraform-fmt').args).toEqual(expect.arrayContaining(['fmt', '-check']));
    expect(script(step('terraform-init'))).toMatch(/init .*-backend-config=bucket=\$_TF_STATE_BUCKET/);
    expect(step('terraform-validate').args).toEqual(['validate']);
    expect(script(step('terraform-plan'))).toMatch(/terraform plan .*-out=tfplan/);
    expect(step('terraform-plan').env).toEqual(
      expect.arrayContaining(['TF_VAR_project_id=$PROJECT_ID', 'TF_VAR_region=$_REGION']),
    );
    expect(script(step('terraform-apply'))).toMatch(/terraform apply .*tfplan/);
  });

  it('applies, migrates and publishes only on the deploy branch', () => {
    expect(build.substitutions?._DEPLOY_BRANCH).toBe('main');
    for (const id of ['terraform-apply', 'migrate', 'deploy-hosting']) {
      const s = step(id);
      expect([id, s.entrypoint]).toEqual([id, expect.stringMatching(/^(ba)?sh$/)]);
      // The guard comes first and exits before anything is changed.
      expect([id, script(s)]).toEqual([
        id,
        expect.stringMatching(/^-c set -eu(o pipefail)?\nif \[ "\$BRANCH_NAME" != "\$_DEPLOY_BRANCH" \]; then\n/),
      ]);
      expect([id, script(s).split('\n').slice(0, 5).join('\n')]).toEqual([id, expect.stringContaining('exit 0')]);
    }
    for (const id of ORDER.slice(0, ORDER.indexOf('terraform-apply'))) {
      expect([id, script(step(id))]).toEqual([id, expect.not.stringMatching(/apply|deploy|migrate/)]);
    }
  });

  it('hands Terraform outputs that exist to the steps after apply', () => {
    expect(script(step('terraform-apply'))).toContain('terraform output -json > /workspace/terraform-outputs.json');
    const read = [script(step('migrate')), script(step('deploy-hosting'))]
      .join('\n')
      .matchAll(/output ([a-z_]+)|\.([a-z_]+)\.value/g);
    const names = [...read].map((m) => m[1] ?? m[2]!);
    expect(names.sort()).toEqual(['db_grant_users', 'db_name', 'hosting_site_id', 'sql_instance_connection_name']);
    for (const name of names) expect(Object.keys(tf.outputs)).toContain(name);
  });

  it('migrates as the migrator user, with its password from Secret Manager', () => {
    const migrate = step('migrate');
    expect(script(migrate)).toContain('npm run migrate');
    expect(migrate.env).toContain(`DB_USER=${String(resource(tf, 'google_sql_user', 'migrator').name)}`);
    expect(migrate.secretEnv).toEqual(['DB_PASSWORD']);
    for (const name of ['CLOUD_SQL_INSTANCE', 'DB_NAME', 'DB_GRANT_USERS'])
      expect(script(migrate)).toContain(`export ${name}=`);
    const secretId = String(resource(tf, 'google_secret_manager_secret', 'migrator_password').secret_id);
    expect(build.availableSecrets?.secretManager).toEqual([
      { versionName: `projects/$PROJECT_ID/secrets/${secretId}/versions/latest`, env: 'DB_PASSWORD' },
    ]);
  });

  it('publishes the page with firebase deploy --only hosting to the project it builds in', () => {
    const deploy = script(step('deploy-hosting'));
    expect(deploy).toMatch(/npx --yes firebase-tools@\d+ deploy --only hosting --project "\$PROJECT_ID"/);
  });

  it('takes the region as _REGION, equal to Terraform’s, and keeps its logs', () => {
    expect(build.substitutions?._REGION).toBe(tf.variables.region?.default);
    expect(build.options?.logging === 'CLOUD_LOGGING_ONLY' || Boolean(build.logsBucket)).toBe(true);
    expect(build.timeout).toMatch(/^\d+s$/);
  });

  it('writes literal shell dollars as $$, so that Cloud Build substitutes only its own variables', () => {
    const builtIns = new Set(['PROJECT_ID', 'BRANCH_NAME']);
    for (const s of build.steps) {
      for (const match of script(s).matchAll(/(?<!\$)\$(\{?)([A-Za-z_][A-Za-z0-9_]*)/g)) {
        const name = match[2]!;
        const known = builtIns.has(name) || name in (build.substitutions ?? {});
        expect([s.id, name, known]).toEqual([s.id, name, true]);
      }
    }
  });
});
