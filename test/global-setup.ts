import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './helpers/postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's throwaway PostgreSQL server, or why it could not start (test/helpers/postgres.ts). */
    postgres: { readonly url: string } | { readonly error: string };
  }
}

/**
 * One throwaway PostgreSQL server for the whole run (about a second to start); each test file
 * makes its own databases on it. When it cannot start, only the tests that need it fail (with the
 * reason), never the rest of the suite, and never silently.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  try {
    const cluster = await startPostgresCluster();
    project.provide('postgres', { url: cluster.url });
    return () => cluster.stop();
  } catch (error) {
    project.provide('postgres', { error: error instanceof Error ? error.message : String(error) });
    return () => undefined;
  }
}
