import path from 'node:path';
import type { Config } from '../daemon/index.js';
import { SimpoolError } from '../shared/index.js';
import { loadApplianceCopy, type CopyReport } from '../store/index.js';
import { terminalProgress } from './progress.js';

const plural = (n: number, word: string) =>
  `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

/** The rows of host '' per table ("modems 5, sims 5"), and what becomes of them. */
function describeUnowned(unowned: Readonly<Record<string, number>>): string | undefined {
  const parts = Object.entries(unowned).map(([table, n]) => `${table} ${n.toLocaleString('en')}`);
  if (parts.length === 0) return undefined;
  return (
    `note: rows of host '' (this appliance): ${parts.join(', ')}; the first host to start on ` +
    'this database adopts them'
  );
}

function summary(report: CopyReport): string {
  const rate = report.seconds > 0 ? Math.round(report.rows / report.seconds) : report.rows;
  return (
    `copied ${plural(report.rows, 'row')} in ${plural(report.tables.length, 'table')} in ` +
    `${report.seconds.toFixed(1)} s (${rate.toLocaleString('en')} rows/s); balances of ` +
    `${plural(report.customersVerified, 'customer')} verified\n` +
    `from ${report.from}\ninto ${report.database}`
  );
}

/**
 * `simpool migrate --from FILE.db`: copies the appliance FILE.db into the configured database,
 * which must be an empty PostgreSQL one. Progress (migrations, then one line per table) on a
 * terminal's stderr; the summary on stdout.
 */
export async function copyFromSqlite(
  from: string,
  config: Pick<Config, 'database'>,
  json: boolean,
): Promise<void> {
  const { database } = config;
  if (database.engine !== 'postgres') {
    throw new SimpoolError(
      'invalid_argument',
      '--from copies an appliance into a PostgreSQL database: give --database ' +
        'postgres://USER@HOST/DATABASE (or set database in the config)',
    );
  }
  const progress = terminalProgress();
  const { copyApplianceToPostgres } = await loadApplianceCopy();
  const report = await copyApplianceToPostgres({
    from: path.resolve(from),
    url: database.url,
    passwordFile: database.passwordFile,
    onMigration: (id, name) => progress(`applied migration ${String(id).padStart(3, '0')} ${name}`),
    onTable: (t) =>
      progress(`copied ${t.table}: ${plural(t.rows, 'row')} in ${t.seconds.toFixed(2)} s`),
  });
  if (json) {
    const rowsPerSecond = report.seconds > 0 ? Math.round(report.rows / report.seconds) : null;
    console.log(JSON.stringify({ ...report, rowsPerSecond }));
    return;
  }
  console.log(summary(report));
  const note = describeUnowned(report.unownedRows);
  if (note) console.log(note);
}
