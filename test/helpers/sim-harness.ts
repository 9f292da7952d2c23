import { ManualClock } from '../../src/shared/index.js';
import { SimulatedModem, type SimulatedModemOptions } from '../../src/simulator/index.js';
import { SimClient } from './sim-client.js';

export interface Harness {
  readonly clock: ManualClock;
  readonly modem: SimulatedModem;
  readonly client: SimClient;
}

/** A simulated modem on a ManualClock with a client connected over an in-memory link. */
export async function connectedModem(options: SimulatedModemOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
  const modem = new SimulatedModem({ clock, ...options });
  const client = new SimClient(await modem.connect());
  return { clock, modem, client };
}
