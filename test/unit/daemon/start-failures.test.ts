import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerStartCommand } from '../../../src/cli/start.js';
import {
  API_LISTEN,
  SIMULATOR_LISTEN,
  START_FLAGS,
  listenFailure,
} from '../../../src/daemon/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';

/** A system error as `net.Server.listen` rejects with. */
const systemError = (code: string): Error =>
  Object.assign(new Error(`listen ${code}: something 127.0.0.1:80`), { code });

const api = { host: '127.0.0.1', port: 80 };

describe('start-up failure messages', () => {
  it('name the setting and every way to change it for each listen failure', () => {
    const cases: Array<[string, string]> = [
      ['EADDRINUSE', 'api port 80 (--port, SIMPOOL_PORT) is in use on 127.0.0.1'],
      ['EACCES', 'api port 80 (--port, SIMPOOL_PORT) needs privileges on 127.0.0.1'],
      ['EADDRNOTAVAIL', 'api host 127.0.0.1 (--host, SIMPOOL_HOST) is not an address'],
      ['ENOTFOUND', 'api host 127.0.0.1 (--host, SIMPOOL_HOST) is not an address'],
      [
        'EMFILE',
        'api cannot listen on 127.0.0.1:80 (host: --host, SIMPOOL_HOST; port: --port, SIMPOOL_PORT): listen EMFILE',
      ],
    ];
    for (const [code, message] of cases) {
      const error = listenFailure(API_LISTEN, api, systemError(code));
      expect(isSimpoolError(error, 'listen_failed'), code).toBe(true);
      expect(error.message, code).toContain(message);
      expect(error.details).toMatchObject({ setting: 'port', port: 80, reason: code });
    }
  });

  it('name the simulator control port, which has no host setting', () => {
    const port = { host: '127.0.0.1', port: 8765 };
    expect(listenFailure(SIMULATOR_LISTEN, port, systemError('EADDRINUSE')).message).toContain(
      'simulator control port 8765 (--simulator-port, SIMPOOL_SIMULATOR_PORT) is in use',
    );
    // No host to blame: the address and the reason, not "not an address of this machine".
    const odd = listenFailure(SIMULATOR_LISTEN, port, systemError('EADDRNOTAVAIL')).message;
    expect(odd).toContain(
      'simulator control cannot listen on 127.0.0.1:8765 (port: --simulator-port, SIMPOOL_SIMULATOR_PORT)',
    );
    expect(odd).not.toContain('not an address');
  });

  it('name only flags that `simpool start` has', () => {
    const program = new Command('simpool');
    registerStartCommand(program);
    const start = program.commands.find((c) => c.name() === 'start')!;
    const flags = start.options.map((o) => o.long);
    for (const flag of Object.values(START_FLAGS)) expect(flags).toContain(flag);
  });
});
