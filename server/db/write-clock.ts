/**
 * Counts the writes a connection runs, per table, so that a cache of rows can tell "nothing has changed
 * since I read this" instead of guessing with a short expiry. Only meaningful where this connection is
 * the database's only writer: PGlite, whose data folder one process holds by its lock file. PostgreSQL
 * has other writers (worker processes, other API nodes), so it has no clock and its caches expire.
 */

// `UPDATE t`, `INSERT INTO t`, `DELETE FROM t`, `TRUNCATE [TABLE] t`, also inside a `WITH … AS (…)`.
const WRITE = /\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?"?([a-z_][a-z0-9_]*)"?/gi;
const READ_ONLY = /^\s*(?:SELECT|SHOW|EXPLAIN)\b/i;

/** The longest a cache keeps a row on the clock's word alone (a bound, should a write ever go uncounted). */
export const QUIET_MS = 30_000;

export class WriteClock {
  private readonly tables = new Map<string, number>();
  /** Bumped by statements whose tables cannot be told (scripts, DDL): every table's version moves. */
  private everything = 0;

  /** Notes the tables `sql` may write; call before it runs and again after, so a read that overlaps it is stale. */
  note(sql: string): void {
    let matched = false;
    for (const m of sql.matchAll(WRITE)) {
      const table = m[1]!.toLowerCase();
      this.tables.set(table, (this.tables.get(table) ?? 0) + 1);
      matched = true;
    }
    if (!matched && !READ_ONLY.test(sql)) this.everything++;
  }

  /** Notes a script of several statements (migrations): everything may have changed. */
  noteScript(): void {
    this.everything++;
  }

  /** A number that changes whenever a statement that may write `table` starts or ends. */
  version(table: string): number {
    return (this.tables.get(table) ?? 0) + this.everything;
  }

  /** The sum of `tables`' versions: one number to compare for a row read from several tables. */
  versionOf(tables: readonly string[]): number {
    return tables.reduce((sum, t) => sum + this.version(t), 0);
  }
}
