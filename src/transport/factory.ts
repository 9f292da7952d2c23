import type { Logger } from '../shared/index.js';
import type { LinkFactory } from './link.js';
import { openSerialLink } from './serial.js';
import { openTcpLink } from './tcp.js';

export interface LinkFactoryOptions {
  readonly baudRate?: number;
  readonly logger?: Logger;
}

/**
 * The factory for a configured modem address: `tcp://host:port` for ser2net and network modem
 * pools, anything else is a device path (tty or pseudo-terminal).
 */
export function linkFactoryFor(address: string, options: LinkFactoryOptions = {}): LinkFactory {
  if (address.startsWith('tcp://')) return () => openTcpLink(address);
  return () =>
    openSerialLink({
      path: address,
      ...(options.baudRate === undefined ? {} : { baudRate: options.baudRate }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
}
