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
}

export interface Schema {
  users: UsersTable;
}

export type SqlDialect = 'mysql' | 'sqlite';
