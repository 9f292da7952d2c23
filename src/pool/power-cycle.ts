import { execFile } from 'node:child_process';
import { SimpoolError } from '../shared/index.js';

/**
 * Runs the operator's power-cycle command for one slot (e.g. `uhubctl -l 1-1 -p {port} -a cycle`),
 * with the slot's device path in `$SIMPOOL_DEVICE` and in place of `{device}`.
 */
export function runPowerCycle(command: string, device: string, timeoutMs = 60_000): Promise<void> {
  const expanded = command.replaceAll('{device}', device);
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', expanded],
      { timeout: timeoutMs, env: { ...process.env, SIMPOOL_DEVICE: device } },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        reject(
          new SimpoolError(
            'power_cycle_failed',
            `power-cycle command failed: ${stderr.trim() || error.message}`,
            {
              cause: error,
              details: { device },
            },
          ),
        );
      },
    );
  });
}
