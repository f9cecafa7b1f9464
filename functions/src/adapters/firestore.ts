import type { Firestore } from '@google-cloud/firestore';
import type { Config } from '../config';

/**
 * The Firestore client, loaded on first use (it is heavy, and most requests never need it).
 * With an emulator host it speaks plain gRPC to it as the emulator's owner.
 */
export async function openFirestore(config: Pick<Config, 'projectId' | 'firestore'>): Promise<Firestore> {
  const { Firestore } = await import('@google-cloud/firestore');
  const { emulatorHost, databaseId } = config.firestore;
  const settings = { projectId: config.projectId, databaseId, ignoreUndefinedProperties: true };
  if (!emulatorHost) return new Firestore(settings);
  const separator = emulatorHost.lastIndexOf(':');
  return new Firestore({
    ...settings,
    host: emulatorHost.slice(0, separator),
    port: Number(emulatorHost.slice(separator + 1)),
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
  });
}
