import type { ModemCore } from './modem-core.js';
import { encodeDeliver } from './pdu.js';

/** Faults the control API can inject into one modem. */
export type Fault =
  /** Stops answering (no echo, no URCs) until `reset`/`clear` (a power cycle). */
  | { readonly kind: 'hang' }
  /** The port disappears: links close, `connect()` rejects, the PTY link is removed. */
  | { readonly kind: 'unplug' }
  | { readonly kind: 'replug' }
  /** Random bytes and NULs now; with `continuous`, before every response until cleared. */
  | { readonly kind: 'garbage'; readonly bytes?: number; readonly continuous?: boolean }
  /** Every response delayed by `ms`. */
  | { readonly kind: 'slow'; readonly ms: number }
  /** `+CPIN: NOT READY`; SIM commands answer +CME ERROR: 10 (+CMS ERROR: 310 for SMS). */
  | { readonly kind: 'sim_removed' }
  /** Registration lost (+CREG stat 2, or 0); sends fail with +CMS ERROR: 331. */
  | { readonly kind: 'no_network'; readonly stat?: 0 | 2 }
  /** Fills the receiving storage with old read messages, so new SMS stay in the network. */
  | { readonly kind: 'storage_full' }
  /** Power cycle: silence, then boot URCs (also ends `hang`). */
  | { readonly kind: 'reset' }
  /**
   * USB re-enumeration, as after `AT+CFUN=1,1` on real LTE modems: the port vanishes and comes
   * back under another name (`ttySIM0` → `ttySIM0-1`) after the reset delay.
   */
  | { readonly kind: 'reenumerate' }
  /**
   * The next `count` (default 1) SMS submits are refused by the network with `+CMS ERROR: <cms>`
   * (e.g. 1 unassigned number, 21 rejected: permanent; 42 congestion: temporary).
   */
  | { readonly kind: 'send_error'; readonly cms: number; readonly count?: number }
  /** Ends every fault (replugs, power-cycles a hung modem); stored messages stay. */
  | { readonly kind: 'clear' };

export type FaultKind = Fault['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'hang',
  'unplug',
  'replug',
  'garbage',
  'slow',
  'sim_removed',
  'no_network',
  'storage_full',
  'reset',
  'reenumerate',
  'send_error',
  'clear',
];

/** Faults that only change state in the core (the plug and power ones need the modem). */
export function applyStateFault(core: ModemCore, fault: Fault): void {
  switch (fault.kind) {
    case 'garbage':
      if (fault.continuous) core.faults.garbage = true;
      core.output.write(core.garbage(fault.bytes ?? 16), 'raw');
      return;
    case 'slow':
      core.faults.slowMs = Math.max(0, fault.ms);
      return;
    case 'send_error':
      core.faults.sendErrors = { cms: fault.cms, remaining: fault.count ?? 1 };
      return;
    case 'sim_removed':
      if (!core.faults.simRemoved) {
        core.faults.simRemoved = true;
        core.urc('+CPIN: NOT READY');
        core.refreshRegistration();
      }
      return;
    case 'no_network':
      core.faults.noNetworkStat = fault.stat ?? 2;
      core.refreshRegistration();
      return;
    case 'storage_full': {
      const storage = core.storages[core.settings.cpms[2]];
      const from = '+447700900000';
      const timestampMs = core.clock.now();
      const filler = encodeDeliver({
        smsc: core.smsc,
        from,
        text: 'old',
        encoding: 'gsm7',
        timestampMs,
      });
      while (!storage.full) {
        storage.add({
          stat: 1,
          pdu: filler.hex,
          tpduLength: filler.tpduLength,
          kind: 'deliver',
          from,
          text: 'old',
          timestampMs,
        });
      }
      return;
    }
    default:
      return;
  }
}

/** Clears the faults that live in the core; the caller handles hang and unplug. */
export function clearStateFaults(core: ModemCore): void {
  core.faults.slowMs = 0;
  core.faults.sendErrors = undefined;
  core.faults.garbage = false;
  core.faults.noNetworkStat = undefined;
  if (core.faults.simRemoved) {
    core.faults.simRemoved = false;
    core.urc('+CPIN: READY');
  }
  core.refreshRegistration();
}
