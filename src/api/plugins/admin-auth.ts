/**
 * Admin authentication (docs/admin-api.md): a key with the `admin` scope (X-API-Key / Bearer),
 * or the `simpool_admin` session cookie from `POST /api/v1/admin/login`. Cookie requests that
 * change anything must carry the session's `X-CSRF-Token` (a page on another site can make the
 * browser send the cookie, SameSite=Strict aside, but cannot read the token).
 *
 * Sessions live in memory: a restart logs the operator out. A session ends after 12 h without
 * use, and as soon as the key it was opened with is revoked (checked at most once a minute).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { fastifyCookie as cookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SimpoolError } from '../../shared/index.js';
import type { ApiDeps, ServerDeps } from '../deps.js';
import { presentedKey, requireKey } from './auth.js';

export const SESSION_COOKIE = 'simpool_admin';
const IDLE_MS = 12 * 60 * 60_000;
const RECHECK_MS = 60_000;
const MAX_SESSIONS = 1000;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AdminSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly customerId: string;
  readonly keyId: string;
  lastUsedAt: number;
  checkedAt: number;
}

export class AdminSessions {
  private readonly sessions = new Map<string, AdminSession>();

  constructor(
    private readonly deps: Pick<ApiDeps, 'customers' | 'clock'>,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** Opens a session for a plain admin credential; null when it is not one. */
  async login(credential: string): Promise<AdminSession | null> {
    const found = await this.deps.customers.authenticate(credential.trim());
    const now = this.deps.clock.now();
    if (!found || !found.key.scopes.includes('admin')) return null;
    if (found.bannedUntil !== null && found.bannedUntil > now) return null;
    if (this.sessions.size >= MAX_SESSIONS) {
      // The least recently used one goes (Map order is insertion; touched ones are re-inserted).
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
    const session: AdminSession = {
      token: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(24).toString('base64url'),
      customerId: found.customer.id,
      keyId: found.key.id,
      lastUsedAt: now,
      checkedAt: now,
    };
    this.sessions.set(session.token, session);
    return session;
  }

  /** The live session of this cookie value, touched; undefined when unknown or expired. */
  async resume(token: string | undefined): Promise<AdminSession | undefined> {
    if (token === undefined || token === '') return undefined;
    const session = this.sessions.get(token);
    if (!session) return undefined;
    const now = this.deps.clock.now();
    if (now - session.lastUsedAt > this.idleMs || !(await this.keyStillValid(session, now))) {
      this.sessions.delete(token);
      return undefined;
    }
    session.lastUsedAt = now;
    this.sessions.delete(token);
    this.sessions.set(token, session);
    return session;
  }

  end(token: string | undefined): void {
    if (token !== undefined) this.sessions.delete(token);
  }

  get size(): number {
    return this.sessions.size;
  }

  private async keyStillValid(session: AdminSession, now: number): Promise<boolean> {
    if (now - session.checkedAt < RECHECK_MS) return true;
    const keys = await this.deps.customers.listKeys(session.customerId);
    const key = keys.find((k) => k.id === session.keyId);
    session.checkedAt = now;
    return key !== undefined && key.revokedAt === null && key.scopes.includes('admin');
  }
}

/**
 * The session cookie of a request. Fastify requests in the admin scope have it parsed by
 * @fastify/cookie; the WebSocket upgrade is a raw request, parsed with the same parser (loaded
 * once the plugin is registered, i.e. before the server listens).
 */
export function sessionToken(request: IncomingMessage | FastifyRequest): string | undefined {
  const parsed = (request as Partial<FastifyRequest>).cookies;
  if (parsed) return parsed[SESSION_COOKIE];
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header === '') return undefined;
  return cookie.parse(header)[SESSION_COOKIE];
}

export function sameToken(sent: unknown, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Sets the cookie of a new session (Secure when the request came over HTTPS). */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeMs = IDLE_MS,
): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: request.protocol === 'https',
    maxAge: Math.round(maxAgeMs / 1000),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  setSessionCookie(request, reply, '', 0);
}

/**
 * An onRequest hook: an admin-scoped key, or a session cookie (plus the CSRF token on changes).
 * 401 without either, 403 for a key without the admin scope or a change without the token.
 */
export function requireAdmin(deps: ServerDeps, sessions: AdminSessions) {
  const byKey = requireKey(deps, 'admin');
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (presentedKey(request) !== undefined) return byKey(request, reply);
    const session = await sessions.resume(sessionToken(request));
    if (!session) {
      throw new SimpoolError('unauthorized', 'log in, or send an admin key in X-API-Key');
    }
    if (
      MUTATING.has(request.method) &&
      !sameToken(request.headers['x-csrf-token'], session.csrfToken)
    ) {
      throw new SimpoolError('forbidden', 'missing or wrong X-CSRF-Token');
    }
  };
}
