import { conditionNotMet, StorageError } from './storage-errors';

/** GCS generation preconditions, as normalised decimal strings ("0" means: the object must not exist). */
export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
  ifMetagenerationNotMatch?: string;
}

interface Versioned {
  generation: string;
  metageneration: string;
}

const normalise = (name: string, value: string): string => {
  if (!/^\d{1,20}$/.test(value.trim())) throw new StorageError('invalid', `Invalid value for ${name}: ${value}`);
  return BigInt(value.trim()).toString();
};

/** Reads the precondition query parameters of the JSON API. */
export function preconditionsFromQuery(query: URLSearchParams): Preconditions {
  const result: Preconditions = {};
  for (const key of [
    'ifGenerationMatch',
    'ifGenerationNotMatch',
    'ifMetagenerationMatch',
    'ifMetagenerationNotMatch',
  ] as const) {
    const value = query.get(key);
    if (value !== null) result[key] = normalise(key, value);
  }
  return result;
}

/** Reads the precondition headers of the XML API. */
export function preconditionsFromHeaders(headers: Record<string, string | string[] | undefined>): Preconditions {
  const result: Preconditions = {};
  const generation = headers['x-goog-if-generation-match'];
  const metageneration = headers['x-goog-if-metageneration-match'];
  if (typeof generation === 'string') result.ifGenerationMatch = normalise('x-goog-if-generation-match', generation);
  if (typeof metageneration === 'string') {
    result.ifMetagenerationMatch = normalise('x-goog-if-metageneration-match', metageneration);
  }
  return result;
}

/**
 * Throws unless the object's current state satisfies the preconditions. A read whose
 * "not match" condition fails is "not modified" (304), as in GCS; anything else is 412.
 */
export function checkPreconditions(current: Versioned | undefined, p: Preconditions, read = false): void {
  const generation = current?.generation ?? '0';
  if (p.ifGenerationMatch !== undefined && p.ifGenerationMatch !== generation) throw conditionNotMet();
  if (p.ifMetagenerationMatch !== undefined && p.ifMetagenerationMatch !== current?.metageneration) {
    throw conditionNotMet();
  }
  const notModified =
    (p.ifGenerationNotMatch !== undefined && p.ifGenerationNotMatch === generation) ||
    (p.ifMetagenerationNotMatch !== undefined && p.ifMetagenerationNotMatch === current?.metageneration);
  if (notModified) throw read ? new StorageError('notModified', 'Not Modified') : conditionNotMet();
}
