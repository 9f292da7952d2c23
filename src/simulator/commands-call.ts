import { intArg, type CommandSpec, type CommandTable } from './handler.js';
import { error, ok } from './responses.js';

/** `AT+X=<0|1>` / `AT+X?` / `AT+X=?` over one boolean setting. */
function onOff(name: string, key: 'clip' | 'crc', readTail: string): CommandSpec {
  return {
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok(`${name}: (0,1)`);
      if (cmd.kind === 'read') return ok(`${name}: ${core.settings[key] ? 1 : 0}${readTail}`);
      const n = cmd.kind === 'exec' ? 0 : intArg(cmd.args[0]);
      if (n !== 0 && n !== 1) return error();
      core.settings[key] = n === 1;
      return ok();
    },
  };
}

/** Incoming voice calls: answer, hang up, caller id, extended ring format. */
export const callCommands: CommandTable = {
  // ATA: answers the ringing call; with nothing ringing a modem says NO CARRIER.
  A: {
    run: (core) => (core.calls.answer() ? ok() : { lines: [], final: { type: 'no_carrier' } }),
  },
  // ATH / ATH0: ends any call; no NO CARRIER follows (the host hung up, it knows).
  H: {
    run: (core, cmd) => {
      if (cmd.kind === 'set' && cmd.args[0] !== '0') return error();
      core.calls.hangUp();
      return ok();
    },
  },
  // `+CLIP: <n>,<m>`: m = 1, the network provides the caller id.
  '+CLIP': { ...onOff('+CLIP', 'clip', ',1'), sim: 'cme' },
  '+CRC': onOff('+CRC', 'crc', ''),
};
