import { intArg, type CommandTable } from './handler.js';
import type { ModemCore } from './modem-core.js';
import { ucs2Decode, ucs2Encode } from './pdu.js';
import { cme, error, ok } from './responses.js';

/** The network's USSD answer; `+CUSD: 4` (operation not supported) for unknown codes. */
function ussdReply(core: ModemCore, code: string): string {
  const reply = core.ussdReplies[code];
  if (reply === undefined) return '+CUSD: 4';
  if (core.settings.cscs === 'UCS2') {
    return `+CUSD: 0,"${ucs2Encode(reply).toString('hex').toUpperCase()}",72`;
  }
  return `+CUSD: 0,"${reply}",15`;
}

/** USSD and power/functionality. */
export const ussdCfunCommands: CommandTable = {
  '+CUSD': {
    sim: 'cme',
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok('+CUSD: (0-2)');
      if (cmd.kind === 'read') return ok(`+CUSD: ${core.settings.ussdEnabled ? 1 : 0}`);
      const n = cmd.kind === 'exec' ? 0 : intArg(cmd.args[0] || '0');
      if (!(n >= 0 && n <= 2)) return error();
      core.settings.ussdEnabled = n === 1;
      const raw = cmd.args[1];
      if (raw === undefined || raw === '' || n === 2) return ok();
      if (!core.registered()) return cme(30);
      const code =
        core.settings.cscs === 'UCS2' && /^([0-9A-Fa-f]{4})+$/.test(raw)
          ? ucs2Decode(Buffer.from(raw, 'hex'))
          : raw;
      // OK first; the network's answer arrives later as a URC.
      return {
        lines: [],
        final: { type: 'ok' },
        after: () => core.after(core.timing.ussdDelayMs, () => core.urc(ussdReply(core, code))),
      };
    },
  },
  '+CFUN': {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok('+CFUN: (0,1,4),(0,1)');
      if (cmd.kind === 'read') return ok(`+CFUN: ${core.settings.cfun}`);
      if (cmd.kind !== 'set') return error();
      const fun = intArg(cmd.args[0]);
      const rst = cmd.args[1] === undefined ? 0 : intArg(cmd.args[1]);
      if (![0, 1, 4].includes(fun) || (rst !== 0 && rst !== 1)) return error();
      if (rst === 1) return { lines: [], final: { type: 'ok' }, after: () => core.reboot() };
      return {
        lines: [],
        final: { type: 'ok' },
        after: () => {
          const was = core.settings.cfun;
          core.settings.cfun = fun;
          if (fun === 1 && was !== 1 && core.simState() === 'ready') {
            // Radio back on: the SIM and SMS service report ready again (not RDY: no reboot).
            for (const line of core.flavour.bootUrcs.slice(2)) core.urc(line);
          }
          core.refreshRegistration();
        },
      };
    },
  },
};
