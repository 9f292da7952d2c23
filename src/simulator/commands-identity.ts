import { intArg, type CommandSpec, type CommandTable } from './handler.js';
import { toSwappedBcd } from './pdu.js';
import { cme, error, ok } from './responses.js';
import { defaultSettings } from './state.js';

/** A command answering one fixed line to exec and OK to test, like AT+CGMI. */
function fixed(line: (core: Parameters<CommandSpec['run']>[0]) => string): CommandSpec {
  return {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok();
      if (cmd.kind !== 'exec') return error();
      return ok(line(core));
    },
  };
}

const manufacturer = fixed((core) => core.flavour.manufacturer);
const model = fixed((core) => core.flavour.model);
const revision = fixed((core) => core.flavour.revision);
const imei = fixed((core) => core.identity.imei);

/** Identity, SIM and general settings commands (ATE, ATI, AT+CMEE, AT+CPIN …). */
export const identityCommands: CommandTable = {
  E: { run: (core, cmd) => flag(cmd.args[0], (v) => (core.settings.echo = v)) },
  V: { run: (core, cmd) => flag(cmd.args[0], (v) => (core.settings.verbose = v)) },
  Q: { run: (core, cmd) => flag(cmd.args[0], (v) => (core.settings.quiet = v)) },
  Z: {
    run: (core) => {
      resetPortSettings(core);
      return ok();
    },
  },
  '&F': {
    run: (core) => {
      resetPortSettings(core);
      return ok();
    },
  },
  '&W': { run: () => ok() },
  '&D': { run: () => ok() },
  '&C': { run: () => ok() },
  X: { run: () => ok() },
  S: { run: (_core, cmd) => (cmd.kind === 'read' ? ok('000') : ok()) },
  I: { run: (core) => ok(...core.flavour.ati) },
  '+CGMI': manufacturer,
  '+GMI': manufacturer,
  '+CGMM': model,
  '+GMM': model,
  '+CGMR': revision,
  '+GMR': revision,
  '+CGSN': imei,
  '+GSN': imei,
  '+CIMI': { ...fixed((core) => core.identity.imsi), sim: 'cme' },
  '+CCID': {
    run: (core, cmd) => {
      if (core.flavour.iccidCommand !== '+CCID') return error();
      return cmd.kind === 'test' ? ok() : ok(core.identity.iccid);
    },
    sim: 'cme',
  },
  '+QCCID': {
    run: (core, cmd) => {
      if (core.flavour.iccidCommand !== '+QCCID') return error();
      return cmd.kind === 'test' ? ok() : ok(`+QCCID: ${core.identity.iccid}`);
    },
    sim: 'cme',
  },
  // Quectel: which port carries URCs. Only the AT port (`usbat`) is modelled; the setting is
  // accepted as real EC25s accept it, so drivers can route URCs to the port they read.
  '+QURCCFG': {
    run: (core, cmd) => {
      if (core.flavour.iccidCommand !== '+QCCID') return error();
      if (cmd.kind === 'test') return ok('+QURCCFG: "urcport",("usbat","usbmodem","uart1")');
      if (cmd.kind === 'set' && cmd.args[0]?.toLowerCase() === 'urcport') {
        return cmd.args.length === 1 ? ok('+QURCCFG: "urcport","usbat"') : ok();
      }
      return error();
    },
  },
  '+CRSM': {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok();
      if (cmd.kind !== 'set') return error();
      // READ BINARY (176) of EF_ICCID (0x2FE2 = 12258); anything else: "file not found".
      if (intArg(cmd.args[0]) === 176 && intArg(cmd.args[1]) === 12258) {
        return ok(`+CRSM: 144,0,"${toSwappedBcd(core.identity.iccid).padEnd(20, 'F')}"`);
      }
      return ok('+CRSM: 106,130,""');
    },
    sim: 'cme',
  },
  '+CNUM': {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok();
      if (!core.identity.cnumVisible) return ok();
      const type = core.identity.msisdn.startsWith('+') ? 145 : 129;
      return ok(`+CNUM: "","${core.identity.msisdn}",${type}`);
    },
    sim: 'cme',
  },
  '+CMEE': {
    run: (core, cmd) => {
      if (cmd.kind === 'read') return ok(`+CMEE: ${core.settings.cmee}`);
      if (cmd.kind === 'test') return ok('+CMEE: (0-2)');
      const mode = cmd.kind === 'exec' ? 0 : intArg(cmd.args[0] || '0');
      if (mode !== 0 && mode !== 1 && mode !== 2) return error();
      core.settings.cmee = mode;
      return ok();
    },
  },
  '+CPIN': {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok();
      const sim = core.simState();
      if (sim === 'absent') return cme(10);
      if (cmd.kind === 'read') return ok(sim === 'pin' ? '+CPIN: SIM PIN' : '+CPIN: READY');
      if (cmd.kind !== 'set') return error();
      if (sim === 'ready') return cme(3);
      if (cmd.args[0] !== core.pin) return cme(16);
      return {
        lines: [],
        final: { type: 'ok' },
        after: () => {
          core.pinLocked = false;
          core.after(300, () => {
            core.urc('+CPIN: READY');
            const ready = core.flavour.bootUrcs[core.flavour.bootUrcs.length - 1];
            if (ready) core.urc(ready);
            core.refreshRegistration();
          });
        },
      };
    },
  },
};

function flag(
  value: string | undefined,
  set: (on: boolean) => void,
): ReturnType<CommandSpec['run']> {
  if (value === undefined || value === '0' || value === '1') {
    set(value === '1');
    return ok();
  }
  return error();
}

/** ATZ / AT&F: the port settings go back to defaults; power state and storage stay. */
function resetPortSettings(core: Parameters<CommandSpec['run']>[0]): void {
  const { cfun } = core.settings;
  core.settings = { ...defaultSettings(), cfun };
}
