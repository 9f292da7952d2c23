import { intArg, type CommandSpec, type CommandTable } from './handler.js';
import type { ModemCore } from './modem-core.js';
import { error, ok, type Outcome } from './responses.js';

type RegKey = 'cregN' | 'cgregN' | 'ceregN';

/** +CREG / +CGREG / +CEREG: one shape, three settings. */
function registration(prefix: string, key: RegKey, lteOnly: boolean): CommandSpec {
  return {
    run: (core, cmd) => {
      if (lteOnly && !core.flavour.hasCereg) return error();
      if (cmd.kind === 'test') return ok(`${prefix}: (0-2)`);
      if (cmd.kind === 'read') {
        const n = core.settings[key];
        const stat = core.regStat();
        return ok(`${prefix}: ${n},${stat}${core.location(n, stat)}`);
      }
      const n = cmd.kind === 'exec' ? 0 : intArg(cmd.args[0] || '0');
      if (n !== 0 && n !== 1 && n !== 2) return error();
      core.settings[key] = n;
      return ok();
    },
  };
}

function operatorLine(core: ModemCore): string {
  if (!core.registered()) return '+COPS: 0';
  const act = core.flavour.accessTechnology;
  return `+COPS: 0,0,"${core.identity.operatorName}"${act === undefined ? '' : `,${act}`}`;
}

function copsScan(core: ModemCore): Outcome {
  const { operatorName, mcc, mnc } = core.identity;
  const act = core.flavour.accessTechnology ?? 0;
  const found = core.registered()
    ? `(2,"${operatorName}","${operatorName}","${mcc}${mnc}",${act}),`
    : '';
  return {
    lines: [`+COPS: ${found},(0-4),(0-2)`],
    final: { type: 'ok' },
    delayMs: core.timing.copsScanDelayMs,
  };
}

/** Signal, registration, operator and packet attach. */
export const networkCommands: CommandTable = {
  '+CSQ': {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok('+CSQ: (0-31,99),(0-7,99)');
      const rssi = core.settings.cfun === 1 && core.faults.noNetworkStat === undefined;
      return ok(rssi ? `+CSQ: ${core.identity.rssi},0` : '+CSQ: 99,99');
    },
  },
  '+CREG': registration('+CREG', 'cregN', false),
  '+CGREG': registration('+CGREG', 'cgregN', false),
  '+CEREG': registration('+CEREG', 'ceregN', true),
  '+COPS': {
    run: (core, cmd) => {
      if (cmd.kind === 'read') return ok(operatorLine(core));
      if (cmd.kind === 'test') return copsScan(core);
      return ok();
    },
  },
  '+CGATT': {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok('+CGATT: (0,1)');
      if (cmd.kind === 'read') return ok(`+CGATT: ${core.registered() ? 1 : 0}`);
      return ok();
    },
  },
};
