import { intArg, type CommandTable } from './handler.js';
import type { ModemCore } from './modem-core.js';
import { cms, error, ok } from './responses.js';
import { STAT_TEXT, type StorageName, type StoredMessage } from './state.js';

const STORAGE_NAMES: readonly StorageName[] = ['SM', 'ME'];

function isStorageName(value: string | undefined): value is StorageName {
  return STORAGE_NAMES.includes(value as StorageName);
}

/** "yy/MM/dd,hh:mm:ss+zz" as text mode prints time stamps. */
function textTimestamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  const date = `${two(d.getUTCFullYear() % 100)}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}`;
  return `${date},${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}+00`;
}

/** The header and body lines of one message for CMGL (with index) or CMGR (without). */
function messageLines(
  core: ModemCore,
  m: StoredMessage,
  prefix: string,
  withIndex: boolean,
): string[] {
  const index = withIndex ? `${m.index},` : '';
  if (core.settings.cmgf === 0) return [`${prefix}: ${index}${m.stat},,${m.tpduLength}`, m.pdu];
  const stat = `"${STAT_TEXT[m.stat]}"`;
  if (m.kind === 'status-report') {
    const ts = textTimestamp(m.timestampMs);
    return [`${prefix}: ${index}${stat},6,0,"${m.from}",145,"${ts}","${ts}",0`];
  }
  return [`${prefix}: ${index}${stat},"${m.from}","","${textTimestamp(m.timestampMs)}"`, m.text];
}

const CMGL_TEXT_FILTERS: Readonly<Record<string, number>> = {
  'REC UNREAD': 0,
  'REC READ': 1,
  'STO UNSENT': 2,
  'STO SENT': 3,
  ALL: 4,
};

function storageStatus(core: ModemCore): string[] {
  return core.settings.cpms.map((name) => {
    const s = core.storages[name];
    return `${s.used},${s.capacity}`;
  });
}

/** Reading, listing and deleting stored SMS, and the settings that shape it. */
export const smsStorageCommands: CommandTable = {
  '+CMGF': {
    run: (core, cmd) => {
      if (cmd.kind === 'read') return ok(`+CMGF: ${core.settings.cmgf}`);
      if (cmd.kind === 'test') return ok('+CMGF: (0,1)');
      const mode = cmd.kind === 'exec' ? 0 : intArg(cmd.args[0]);
      if (mode !== 0 && mode !== 1) return error();
      core.settings.cmgf = mode;
      return ok();
    },
  },
  '+CSCS': {
    run: (core, cmd) => {
      if (cmd.kind === 'read') return ok(`+CSCS: "${core.settings.cscs}"`);
      if (cmd.kind === 'test')
        return ok(`+CSCS: (${core.flavour.charsets.map((c) => `"${c}"`).join(',')})`);
      const set = (cmd.args[0] ?? '').toUpperCase();
      if (cmd.kind !== 'set' || !core.flavour.charsets.includes(set)) return error();
      core.settings.cscs = set;
      return ok();
    },
  },
  '+CSMS': {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok('+CSMS: (0,1)');
      if (cmd.kind === 'read') return ok(`+CSMS: ${core.settings.csmsService},1,1,1`);
      const service = intArg(cmd.args[0]);
      if (service !== 0 && service !== 1) return error();
      core.settings.csmsService = service;
      return ok('+CSMS: 1,1,1');
    },
  },
  '+CPMS': {
    sim: 'cms',
    run: (core, cmd) => {
      const names = STORAGE_NAMES.map((n) => `"${n}"`).join(',');
      if (cmd.kind === 'test') return ok(`+CPMS: (${names}),(${names}),(${names})`);
      if (cmd.kind === 'read') {
        const status = storageStatus(core);
        return ok(`+CPMS: ${core.settings.cpms.map((n, i) => `"${n}",${status[i]}`).join(',')}`);
      }
      if (cmd.kind !== 'set' || cmd.args.length > 3) return error();
      const chosen = cmd.args.map((a) => a.toUpperCase());
      if (!chosen.every(isStorageName)) return cms(302);
      chosen.forEach((name, i) => (core.settings.cpms[i] = name));
      return {
        ...ok(`+CPMS: ${storageStatus(core).join(',')}`),
        after: () => core.deliverPending(),
      };
    },
  },
  '+CNMI': {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok(`+CNMI: ${core.flavour.cnmiRanges}`);
      if (cmd.kind === 'read') return ok(`+CNMI: ${core.settings.cnmi.join(',')}`);
      if (cmd.kind !== 'set' || cmd.args.length > 5) return error();
      const next = [...core.settings.cnmi] as typeof core.settings.cnmi;
      const ranges = core.flavour.cnmiRanges.split(/\),\(/).map((r) => r.replace(/[()]/g, ''));
      for (let i = 0; i < cmd.args.length; i++) {
        const arg = cmd.args[i] ?? '';
        if (arg === '') continue;
        const value = intArg(arg);
        if (!inRange(value, ranges[i] ?? '')) return cms(303);
        next[i] = value;
      }
      core.settings.cnmi = next;
      return { ...ok(), after: () => core.deliverPending() };
    },
  },
  '+CMGL': {
    sim: 'cms',
    run: (core, cmd) => {
      const textMode = core.settings.cmgf === 1;
      if (cmd.kind === 'test') {
        return ok(
          textMode
            ? `+CMGL: (${Object.keys(CMGL_TEXT_FILTERS)
                .map((k) => `"${k}"`)
                .join(',')})`
            : '+CMGL: (0-4)',
        );
      }
      const arg = cmd.args[0];
      const filter =
        cmd.kind === 'exec'
          ? 0
          : textMode
            ? CMGL_TEXT_FILTERS[(arg ?? '').toUpperCase()]
            : intArg(arg);
      if (filter === undefined || !(filter >= 0 && filter <= 4)) return error();
      const storage = core.storages[core.settings.cpms[0]];
      const lines: string[] = [];
      for (const m of storage.list()) {
        if (filter !== 4 && m.stat !== filter) continue;
        lines.push(...messageLines(core, m, '+CMGL', true));
        if (m.stat === 0) m.stat = 1;
      }
      return ok(...lines);
    },
  },
  '+CMGR': {
    sim: 'cms',
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok();
      if (cmd.kind !== 'set') return error();
      const storage = core.storages[core.settings.cpms[0]];
      const index = intArg(cmd.args[0]);
      if (!storage.inRange(index)) return cms(321);
      const m = storage.get(index);
      if (!m) return core.flavour.emptyReadIsError ? cms(321) : ok();
      const lines = messageLines(core, m, '+CMGR', false);
      if (m.stat === 0) m.stat = 1;
      return ok(...lines);
    },
  },
  '+CMGD': {
    sim: 'cms',
    run: (core, cmd) => {
      const storage = core.storages[core.settings.cpms[0]];
      if (cmd.kind === 'test') {
        return ok(
          `+CMGD: (${storage
            .list()
            .map((m) => m.index)
            .join(',')}),(0-4)`,
        );
      }
      if (cmd.kind !== 'set') return error();
      const index = intArg(cmd.args[0]);
      const flag = cmd.args[1] === undefined || cmd.args[1] === '' ? 0 : intArg(cmd.args[1]);
      if (!(flag >= 0 && flag <= 4)) return error();
      if (flag === 0) {
        if (!storage.inRange(index)) return cms(321);
        storage.delete(index);
      } else {
        // 1: read; 2: read + sent; 3: read + sent + unsent; 4: everything.
        const doomed = new Set([
          1,
          ...(flag >= 2 ? [3] : []),
          ...(flag >= 3 ? [2] : []),
          ...(flag === 4 ? [0] : []),
        ]);
        for (const m of storage.list()) if (doomed.has(m.stat)) storage.delete(m.index);
      }
      // Freed space lets the network deliver what it held; its +CMTI follows our OK.
      return { ...ok(), after: () => core.deliverPending() };
    },
  },
};

function inRange(value: number, range: string): boolean {
  if (Number.isNaN(value)) return false;
  return range.split(',').some((part) => {
    const [lo, hi] = part.split('-').map(Number);
    return hi === undefined ? value === lo : value >= (lo ?? 0) && value <= hi;
  });
}
