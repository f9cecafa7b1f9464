import type { StoredObject } from './object-files';
import { StorageError } from './storage-errors';

export interface ListOptions {
  prefix: string;
  delimiter?: string;
  maxResults: number;
  /** Opaque to clients: the last name the previous page went through. */
  pageToken?: string;
}

export interface ListPage {
  items: StoredObject[];
  prefixes: string[];
  nextPageToken?: string;
}

const encodeToken = (name: string): string => Buffer.from(name, 'utf8').toString('base64url');

const decodeToken = (token: string): string => {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new StorageError('invalid', 'Invalid pageToken.');
  return Buffer.from(token, 'base64url').toString('utf8');
};

const after = (a: string, b: string): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) > 0;

/**
 * One page of a listing, as GCS pages: objects (sorted by name) and, with a delimiter, the
 * "directories" rolled up into prefixes, both counting towards maxResults. Names under one
 * prefix are contiguous in sorted order, so a page ends only where something new would start.
 */
export function listPage(sorted: readonly StoredObject[], options: ListOptions): ListPage {
  const start = options.pageToken ? decodeToken(options.pageToken) : undefined;
  const page: ListPage = { items: [], prefixes: [] };
  let lastPrefix: string | undefined;
  let lastName: string | undefined;
  for (const object of sorted) {
    if (!object.name.startsWith(options.prefix) || (start !== undefined && !after(object.name, start))) continue;
    const cut = options.delimiter ? object.name.indexOf(options.delimiter, options.prefix.length) : -1;
    const rolledUp = cut >= 0 && options.delimiter ? object.name.slice(0, cut + options.delimiter.length) : undefined;
    const isNew = rolledUp === undefined || rolledUp !== lastPrefix;
    if (isNew && page.items.length + page.prefixes.length === options.maxResults && lastName !== undefined) {
      page.nextPageToken = encodeToken(lastName);
      break;
    }
    if (rolledUp === undefined) page.items.push(object);
    else if (isNew) page.prefixes.push(rolledUp);
    lastPrefix = rolledUp ?? lastPrefix;
    lastName = object.name;
  }
  return page;
}
