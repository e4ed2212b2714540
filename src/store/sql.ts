/**
 * The minimal SQL surface both drivers provide. Repositories are written once against it with
 * portable SQL (`?` placeholders, ON CONFLICT upserts, TEXT/BIGINT/INTEGER columns, JSON as TEXT).
 */
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A unique or primary-key constraint was violated. */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}

/** The database could not be reached or failed; callers answer 5xx/unavailable. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
