export type { ByteLink, DisconnectEvent, DisconnectReason, LinkFactory } from './link.js';
export { createMemoryPair } from './memory.js';
export { openTcpLink, parseTcpUrl } from './tcp.js';
export type { TcpAddress } from './tcp.js';
export { openSerialLink } from './serial.js';
export type { SerialOptions } from './serial.js';
export { linkFactoryFor } from './factory.js';
export type { LinkFactoryOptions } from './factory.js';
export { LinkBase, toBuffer } from './link-base.js';
