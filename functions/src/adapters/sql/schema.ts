import type { Generated } from 'kysely';

/** Table shapes for the query layer. Times are epoch milliseconds (UTC), the same in both dialects. */
export interface UsersTable {
  id: string;
  email: string;
  /** NFKC + lower case: what makes an email unique. */
  email_key: string;
  username: string;
  username_key: string;
  password_hash: string;
  created_at: number;
  /** Bumped to end every token issued so far (password change, sign-out everywhere). */
  token_version: Generated<number>;
}

export interface ImagesTable {
  id: string;
  user_id: string;
  status: string;
  filename: string;
  content_type: string;
  bytes: number;
  width: number | null;
  height: number | null;
  /** JSON text of ImageOptions. */
  options: string;
  original_key: string;
  result_key: string | null;
  thumbnail_key: string | null;
  credits_charged: number | null;
  remover_ms: number | null;
  processing_ms: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number;
  processed_at: number | null;
  /** JSON text of Edits; null until first changed (then derived from the options). */
  edits: string | null;
  /** Bumped by every change of the edits, the mask or the background: renders belong to one version. */
  edit_version: Generated<number>;
  mask_key: string | null;
  background_key: string | null;
  /** JSON text of the renders stored for this version, by format. */
  renders: string | null;
}

export interface Schema {
  users: UsersTable;
  images: ImagesTable;
}

export type SqlDialect = 'mysql' | 'sqlite';
