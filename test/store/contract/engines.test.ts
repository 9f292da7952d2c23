import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

for (const engine of ENGINES) {
  describe(`${engine} engine under contract`, () => {
    let opened: EngineDatabase | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    it('opens a migrated database whose rows survive a reopen', async () => {
      opened = await openEngineDatabase(engine);
      await opened.exec(
        'INSERT INTO modems (imei, state_changed_at, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)',
        ['356938035643809', 1, 1, 1],
      );
      await opened.reopen();
      const rows = await opened.rows<{ imei: string; host_id: string }>(
        'SELECT imei, host_id FROM modems',
      );
      expect(rows).toEqual([{ imei: '356938035643809', host_id: '' }]);
    });
  });
}
