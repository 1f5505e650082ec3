/** Real PostgreSQL through a `pg` pool, for `DATABASE_URL` deployments with several API nodes. */
import pg from 'pg';
import type { Database, QueryResult, Queryable } from './database';

function queryable(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      const result = await target.query(sql, params);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      // Without parameters pg uses the simple protocol, which accepts several statements.
      await target.query(sql);
    },
  };
}

/** Opens a pool on `url` (`postgres://user@host:port/db`) and checks that it answers. */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client's error (server restart) would otherwise crash the process; the next query reconnects.
  pool.on('error', (error) => console.error(`postgres pool: ${error.message}`));
  await pool.query('SELECT 1');
  return {
    kind: 'postgres',
    ...queryable(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A client whose ROLLBACK failed is in an unknown state: destroy it instead of pooling it.
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
