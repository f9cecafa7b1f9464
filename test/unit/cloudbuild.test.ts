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
  'remover-image',
  'terraform-fmt',
  'terraform-init',
  'terraform-validate',
  'terraform-plan',
  'remover-push',
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
const sorted = (items: string[]): string[] => [...items].sort();

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

  it('pushes, applies, migrates and publishes only on the deploy branch', () => {
    expect(build.substitutions?._DEPLOY_BRANCH).toBe('main');
    for (const id of ['remover-push', 'terraform-apply', 'migrate', 'deploy-hosting']) {
      const s = step(id);
      expect([id, s.entrypoint]).toEqual([id, expect.stringMatching(/^(ba)?sh$/)]);
      // The guard comes first and exits before anything is changed.
      expect([id, script(s)]).toEqual([
        id,
        expect.stringMatching(/^-c set -eu(o pipefail)?\nif \[ "\$BRANCH_NAME" != "\$_DEPLOY_BRANCH" \]; then\n/),
      ]);
      expect([id, script(s).split('\n').slice(0, 5).join('\n')]).toEqual([id, expect.stringContaining('exit 0')]);
    }
    // Branches only read: nothing before the first guarded step pushes, applies or deploys.
    for (const id of ORDER.slice(0, ORDER.indexOf('remover-push'))) {
      expect([id, script(step(id))]).toEqual([id, expect.not.stringMatching(/apply|deploy|migrate|push/)]);
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

  it('builds the self-hosted remover’s image when the var file chooses it, and hands it to the plan', () => {
    const image = step('remover-image');
    expect(image.name).toBe('gcr.io/cloud-builders/docker');
    const text = script(image);
    // The same choice Terraform reads, from the same file the plan uses.
    expect(text).toContain('remover[[:space:]]*=[[:space:]]*"self-hosted"\' "terraform/$_TF_VAR_FILE"');
    expect(text).toMatch(/docker build -f local\/removebg\/Dockerfile -t "\$\$image" \.\n/);
    expect(text).toContain('printf %s "$$image" > /workspace/remover-image');
    // Pushed to the repository Terraform creates, in the build's region and project.
    const repository = resource(tf, 'google_artifact_registry_repository', 'remover');
    expect(String(repository.repository_id)).toBe('${var.name_prefix}-remover');
    expect(build.substitutions?._REMOVER_REPOSITORY).toBe(`${String(tf.variables.name_prefix?.default)}-remover`);
    expect(text).toContain('image="$_REGION-docker.pkg.dev/$PROJECT_ID/$_REMOVER_REPOSITORY/remover:$$tag"');
    // The plan deploys exactly that image; the push happens before the apply.
    expect(script(step('terraform-plan'))).toContain('export TF_VAR_remover_image="$$(cat /workspace/remover-image)"');
    expect(script(step('remover-push'))).toContain('docker push "$$(cat /workspace/remover-image)"');
    expect(ORDER.indexOf('remover-push')).toBeLessThan(ORDER.indexOf('terraform-apply'));
    expect(tf.variables.remover_image).toBeDefined();
  });

  it('tags the remover’s image by what goes into it, all of which the Dockerfile copies', () => {
    const text = script(step('remover-image'));
    const hashed = /find ([^|]+) -type f/.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
    const dockerfile = readFileSync(join(ROOT, 'local/removebg/Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    expect(sorted(hashed)).toEqual(sorted(copied));
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
