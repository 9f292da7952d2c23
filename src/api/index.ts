/**
 * The HTTP API (REST customer API and operational endpoints) over the domain services.
 * `buildServer(deps)` returns a Fastify instance that never listens by itself.
 */
export { buildServer, newRequestId } from './server.js';
export type { ApiServer } from './server.js';
export type { ApiDeps, ApiConfig, Readiness, HealthReport, SystemInfo } from './deps.js';
export { toHttpError } from './http-errors.js';
export { clientAddress, trustProxyEntryProblem } from './client-address.js';
export type { TrustProxy } from './client-address.js';
export type { ErrorBody, HttpError } from './http-errors.js';
