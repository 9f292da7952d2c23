/** What both engines' migration runners share: the migration's shape and the version rule. */
import { SimpoolError } from '../../shared/index.js';

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * A database migrated by a newer simpool is refused, never touched (`store_schema_too_new`):
 * this simpool cannot know what the newer migrations changed.
 */
export function refuseNewerSchema(newest: number, migrations: readonly Migration[]): void {
  const known = Math.max(0, ...migrations.map((m) => m.id));
  if (newest > known) {
    throw new SimpoolError(
      'store_schema_too_new',
      `database schema version ${newest} is newer than this simpool (${known}); upgrade simpool`,
      { details: { databaseVersion: newest, knownVersion: known } },
    );
  }
}
