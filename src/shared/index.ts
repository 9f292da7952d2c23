export { SimpoolError, isSimpoolError, describeError } from './errors.js';
export type { ErrorCode, SimpoolErrorOptions } from './errors.js';
export { systemClock, ManualClock, sleep } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { createLogger, silentLogger } from './logger.js';
export type { Logger, LogLevel } from './logger.js';
