/**
 * The lifecycle of one modem as a small explicit state machine. Every transition names its
 * reason; a transition not in the table is a programming error and throws, so an impossible
 * state (ready while offline, recovering a stopped modem) can never be reached silently.
 *
 *   connecting ─► initializing ─► ready ⇄ degraded
 *        │              │           │        │
 *        └──────────────┴─► recovering ◄─────┘ ─► ready | degraded | offline
 */
import { SimpoolError } from '../shared/index.js';
import type { ModemState, StateChangeReason } from './contract.js';

export interface StateChange {
  readonly from: ModemState;
  readonly to: ModemState;
  readonly reason: StateChangeReason;
}

type Table = Readonly<
  Record<ModemState, Partial<Record<ModemState, readonly StateChangeReason[]>>>
>;

/** Allowed transitions and, for each, the reasons that may cause it. */
const TRANSITIONS: Table = {
  connecting: {
    initializing: ['link_opened'],
    recovering: ['link_open_failed'],
    offline: ['stopped'],
  },
  initializing: {
    ready: ['initialized'],
    degraded: ['sim_not_ready', 'not_registered'],
    recovering: ['init_failed', 'command_timeout', 'resync_failed', 'disconnected'],
    offline: ['stopped'],
  },
  ready: {
    degraded: ['sim_not_ready', 'not_registered'],
    recovering: ['command_timeout', 'resync_failed', 'disconnected', 'operator_reset'],
    offline: ['stopped'],
  },
  degraded: {
    ready: ['registered', 'sim_ready'],
    // A SIM problem outranks a network one: not_registered → sim_not_ready is a real change.
    degraded: ['sim_not_ready'],
    recovering: ['command_timeout', 'resync_failed', 'disconnected', 'operator_reset'],
    offline: ['stopped'],
  },
  recovering: {
    ready: ['recovered'],
    degraded: ['sim_not_ready', 'not_registered'],
    offline: ['recovery_exhausted', 'stopped'],
  },
  offline: {},
};

export function canTransition(
  from: ModemState,
  to: ModemState,
  reason: StateChangeReason,
): boolean {
  return TRANSITIONS[from][to]?.includes(reason) === true;
}

export class ModemStateMachine {
  private current: ModemState = 'connecting';

  constructor(private readonly onChange: (change: StateChange) => void) {}

  get state(): ModemState {
    return this.current;
  }

  /** Moves to `to`; throws `internal_error` for a transition the table does not allow. */
  transition(to: ModemState, reason: StateChangeReason): StateChange {
    const from = this.current;
    if (!canTransition(from, to, reason)) {
      throw new SimpoolError(
        'internal_error',
        `invalid modem transition ${from} → ${to} (${reason})`,
        {
          details: { from, to, reason },
        },
      );
    }
    this.current = to;
    const change = { from, to, reason };
    this.onChange(change);
    return change;
  }

  /** Like `transition`, but a no-op (false) when the table does not allow it right now. */
  tryTransition(to: ModemState, reason: StateChangeReason): boolean {
    if (!canTransition(this.current, to, reason)) return false;
    this.transition(to, reason);
    return true;
  }
}
