/** The interfaces between the domain and the outside world. Adapters implement them. */
import type { Readable } from 'node:stream';
import type { AcceptedType, Image } from './core/image';

export interface User {
  id: string;
  email: string;
  username: string;
  createdAt: Date;
}

export interface NewUser extends User {
  passwordHash: string;
}

export interface UserRepo {
  /** Inserts the user; throws `accountTaken` when the email or username is already registered. */
  create(user: NewUser): Promise<User>;
  /** Finds by email or username, compared case-insensitively. */
  findByLogin(login: string): Promise<(User & { passwordHash: string }) | undefined>;
  findById(id: string): Promise<User | undefined>;
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
  issue(userId: string): Promise<IssuedToken>;
  /** Returns the user id, or throws `unauthenticated`. */
  verify(token: string): Promise<string>;
}

/** A counter of failures for one subject (an account, a client address) in a time window. */
export interface RateKey {
  scope: string;
  subject: string;
}

export interface RateLimiter {
  /** Seconds until the first blocked key frees up, or undefined when none is over its limit. */
  retryAfter(keys: RateKey[]): Promise<number | undefined>;
  hit(keys: RateKey[]): Promise<void>;
  reset(key: RateKey): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface ImageRepo {
  create(image: Image): Promise<void>;
  /** The bytes arrived through the function: the image waits for processing. */
  markQueued(id: string, upload: { contentType: AcceptedType; bytes: number }, at: Date): Promise<void>;
  /** Removes a record whose upload never completed. */
  discard(id: string): Promise<void>;
  findById(id: string): Promise<Image | undefined>;
}

export interface SignedUpload {
  url: string;
  method: 'PUT';
  /** Exactly the headers the client must send with the bytes. */
  headers: Record<string, string>;
  expiresAt: Date;
}

/** One bucket. Keys are built by the server (core/image.ts), never taken from a client. */
export interface ObjectStore {
  /** A V4 signed PUT for one new object: bound to the key, the type, a byte range, and "must not exist". */
  signedUpload(key: string, upload: { contentType: string; maxBytes: number; expiresAt: Date }): Promise<SignedUpload>;
  /** Streams a new object (it must not exist yet); rejects, leaving nothing, when `body` errors. */
  write(key: string, body: Readable, contentType: string): Promise<{ generation: string }>;
  /** Deletes the object; a missing one is not an error. */
  delete(key: string): Promise<void>;
}
