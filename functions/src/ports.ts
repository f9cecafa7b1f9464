/** The interfaces between the domain and the outside world. Adapters implement them. */
import type { Readable } from 'node:stream';
import type { Edits } from './core/edits';
import type { AcceptedType, Image, ImageOptions } from './core/image';

export interface User {
  id: string;
  email: string;
  username: string;
  createdAt: Date;
  /** Carried in every token issued to the account; a token of another version is refused. */
  tokenVersion: number;
}

export interface NewUser extends Omit<User, 'tokenVersion'> {
  passwordHash: string;
}

export interface UserRepo {
  /** Inserts the user; throws `accountTaken` when the email or username is already registered. */
  create(user: NewUser): Promise<User>;
  /** Finds by email or username, compared case-insensitively. */
  findByLogin(login: string): Promise<(User & { passwordHash: string }) | undefined>;
  findById(id: string): Promise<User | undefined>;
  passwordHash(id: string): Promise<string | undefined>;
  /** Replaces the password hash and ends every token issued so far; returns the new token version. */
  changePassword(id: string, passwordHash: string): Promise<number>;
  /** Ends every token issued so far; returns the new token version. */
  endSessions(id: string): Promise<number>;
  /** Deletes the account's row (its images' rows must be gone first). */
  delete(id: string): Promise<void>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Compares in constant time for the configured cost. Without a hash it compares against a
   * dummy one and returns false, so an unknown account costs the same as a wrong password.
   */
  verify(password: string, hash: string | undefined): Promise<boolean>;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export interface TokenService {
  /** A token for the account at its current token version. */
  issue(userId: string, version?: number): Promise<IssuedToken>;
  /** Returns the user id, or throws `unauthenticated`. */
  verify(token: string): Promise<string>;
  /** The user id and the token version it was issued at (0 for tokens older than versions). */
  verifyClaims(token: string): Promise<{ userId: string; version: number }>;
}

/** A counter of failures for one subject (an account, a client address) in a time window. */
export interface RateKey {
  scope: string;
  subject: string;
}

export interface RateLimiter {
  /** Forgets a key's units in the current window (a right password forgives earlier failures). */
  reset(key: RateKey): Promise<void>;
  /**
   * Takes one unit of the key's allowance before the work it pays for, so that parallel
   * requests can never take more than the limit between them: a ticket, or the seconds until
   * the window frees up when none is left.
   */
  take(key: RateKey): Promise<{ ticket: string } | { retryAfter: number }>;
  /** Gives a ticket's unit back (the work it was taken for failed). */
  release(key: RateKey, ticket: string): Promise<void>;
  /** Gives back one unit taken at `at`, if its window is still the current one (an upload that never came). */
  giveBack(key: RateKey, at: Date): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface ProcessedImage {
  width: number;
  height: number;
  resultKey: string;
  thumbnailKey: string;
  creditsCharged: number;
  /** Time spent in the remover, and in the whole processing, in milliseconds. */
  removerMs: number;
  processingMs: number;
}

/** A change of what is rendered: the edits, and the mask or background when they change (null: none). */
export interface EditChange {
  edits: Edits;
  maskKey?: string | null;
  backgroundKey?: string | null;
}

export interface ImageRepo {
  create(image: Image): Promise<void>;
  markProcessing(id: string, at: Date): Promise<void>;
  markDone(id: string, result: ProcessedImage, at: Date): Promise<void>;
  markFailed(id: string, error: { code: string; message: string }, at: Date): Promise<void>;
  /** The bytes arrived through the function: the image waits for processing. */
  markQueued(id: string, upload: { contentType: AcceptedType; bytes: number }, at: Date): Promise<void>;
  /** A failed image goes back to the queue (a retry); false when it had not failed (or is gone). */
  markRetrying(id: string, at: Date): Promise<boolean>;
  /** Removes a record whose upload never completed. */
  discard(id: string): Promise<void>;
  findById(id: string): Promise<Image | undefined>;
  /** One user's images, newest first, strictly after the cursor. */
  listByUser(userId: string, page: { limit: number; after?: { createdAt: number; id: string } }): Promise<Image[]>;
  /**
   * Saves a change of a done image's edits if it is still at `version`, bumping the version and
   * forgetting its renders; false when it moved on (or is gone), and nothing changed.
   */
  saveEdits(id: string, change: EditChange, version: number, at: Date): Promise<boolean>;
  /** Records the renders stored for `version`; false when the image has moved on (or is gone). */
  recordRenders(id: string, version: number, renders: Image['renders']): Promise<boolean>;
  /** Deletes the row; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Deletes every row of one user; returns their ids. */
  deleteAllOf(userId: string): Promise<string[]>;
}

export interface SignedUpload {
  url: string;
  method: 'PUT';
  /** Exactly the headers the client must send with the bytes. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface DownloadRequest {
  key: string;
  /** Served as an attachment of this name. */
  filename?: string;
}

/** One bucket. Keys are built by the server (core/image.ts), never taken from a client. */
export interface ObjectStore {
  /** A V4 signed PUT for one new object: bound to the key, the type, a byte range, and "must not exist". */
  signedUpload(key: string, upload: { contentType: string; maxBytes: number; expiresAt: Date }): Promise<SignedUpload>;
  /** Streams a new object (it must not exist yet); rejects, leaving nothing, when `body` errors. */
  write(key: string, body: Readable, contentType: string): Promise<{ generation: string }>;
  /** Writes a small object whole; one that already exists (a retry after a crash) counts as written. */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The first `bytes` bytes of an object (enough to read an image header). */
  readHead(key: string, bytes: number): Promise<Buffer>;
  read(key: string): Promise<Buffer>;
  /** Short-lived signed GETs, in the order asked for. */
  signedDownloads(requests: DownloadRequest[], expiresAt: Date): Promise<string[]>;
  exists(key: string): Promise<boolean>;
  /** Deletes the object; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix`. */
  deleteUnder(prefix: string): Promise<void>;
}

export type ClaimResult =
  /** This invocation holds the image; `attempt` counts from 1 (a later one may find outputs of an earlier). */
  | { state: 'claimed'; attempt: number }
  /** Another invocation holds a live lease. */
  | { state: 'busy' }
  /** Done or failed already. */
  | { state: 'finished' };

/** The job ledger: at-least-once events, exactly-once processing. */
export interface JobLedger {
  /** Claims the image for one attempt; 'busy' while another holds a live lease, 'finished' once done or failed. */
  claim(imageId: string, eventId: string, now: Date, leaseSeconds: number): Promise<ClaimResult>;
  /** Gives the lease up early (a transient failure), so the redelivered event can claim at once. */
  release(imageId: string, now: Date): Promise<void>;
  finish(imageId: string, state: 'done' | 'failed', now: Date): Promise<void>;
  /**
   * A failed job may be claimed again (a retry): the next claim is a later attempt, so it
   * looks for what an earlier one stored.
   */
  reopen(imageId: string, now: Date): Promise<void>;
  forget(imageId: string): Promise<void>;
}

export interface RemovalRequest {
  /** The remover fetches the original itself from a signed URL, or is sent the bytes. */
  source: { url: string } | { file: Buffer; filename: string };
  options: ImageOptions;
}

export interface Removal {
  /** PNG, transparent: backgrounds are the product's own renders (core/edits.ts). */
  png: Buffer;
  width: number;
  height: number;
  creditsCharged: number;
}

export interface BackgroundRemover {
  /** Throws ProcessingError: permanent for what retrying cannot fix, transient otherwise. */
  remove(request: RemovalRequest): Promise<Removal>;
}
