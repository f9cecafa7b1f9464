import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A development secret, generated on first start and kept under .data/ (git-ignored), so
 * tokens survive restarts. Production reads its secrets from Secret Manager instead.
 */
export function devSecret(dataDir: string, name: string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(48).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id: string;
}

/**
 * A development service-account key (RSA, as Google issues them), generated on first start into
 * .data/: the storage client signs V4 URLs with it and the local storage server verifies them.
 */
export function devServiceAccount(dataDir: string, projectId = 'demo-cutout'): ServiceAccountKey {
  const file = join(dataDir, 'service-account.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ServiceAccountKey;
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key: ServiceAccountKey = {
    type: 'service_account',
    project_id: projectId,
    client_email: `local-dev@${projectId}.iam.gserviceaccount.com`,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    private_key_id: randomBytes(20).toString('hex'),
  };
  writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  return key;
}
