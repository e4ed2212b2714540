/**
 * PostgreSQL availability for tests: under CI=true a missing server fails loudly; elsewhere the
 * PostgreSQL tests are skipped with a clear message.
 */
import pg from 'pg';

export function postgresTestUrl(): string {
  return process.env.ENTRYWAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

let cached: Promise<boolean> | undefined;

export function requirePostgres(): Promise<boolean> {
  cached ??= (async () => {
    const c = new pg.Client({ connectionString: postgresTestUrl(), connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch (e) {
      if (process.env.CI === 'true') {
        throw new Error(`PostgreSQL is required under CI=true but ${postgresTestUrl()} is unreachable: ${(e as Error).message}`);
      }
      console.warn(`# PostgreSQL tests skipped: ${postgresTestUrl()} is unreachable (${(e as Error).message}). Set ENTRYWAY_TEST_POSTGRES_URL or start PostgreSQL.`);
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return cached;
}
