/** The one database interface the server codes against; PGlite and PostgreSQL both implement it. */
import type { WriteClock } from './write-clock';

/** A row-returning query result; numbers from `bigint`/`numeric` columns may arrive as strings. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Something that runs parameterised SQL: the database itself or an open transaction. */
export interface Queryable {
  /** Runs one statement with `$1…` parameters; never interpolate values into `sql`. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations only). */
  exec(sql: string): Promise<void>;
}

/** A transaction handle; everything done through it commits or rolls back together. */
export type Transaction = Queryable;

/** A connection to PGlite or PostgreSQL speaking the PostgreSQL dialect. */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Present only where this connection is the database's only writer (PGlite): every write it runs is
   * counted per table, so caches can keep rows until their table is written instead of for a short while.
   */
  readonly writes?: WriteClock;
  /**
   * Runs `fn` inside BEGIN/COMMIT, rolling back when it throws. Use only `tx` inside `fn`:
   * PGlite has one connection, so a call on the database itself would wait for the transaction forever.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Closes the connection(s) and releases the data folder. */
  close(): Promise<void>;
}

/** Reads an integer column that PGlite returns as a number and `pg` as a string; refuses unsafe values. */
export function toInt(value: unknown): number {
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new TypeError(`Expected a safe integer from the database, got ${String(value)}.`);
  return n;
}

/** The SQLSTATE of a database error (`23505` unique violation, …), if it has one; both drivers set `code`. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
