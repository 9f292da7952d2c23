/**
 * Login with the admin credential → the HttpOnly session cookie and the CSRF token the page
 * sends back on changes; the session check the page makes on load; logout.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SimpoolError } from '../../../shared/index.js';
import {
  clearSessionCookie,
  sameToken,
  sessionToken,
  setSessionCookie,
} from '../../plugins/admin-auth.js';
import { tooManyFailures } from '../../plugins/auth.js';
import { NoBody } from '../../schemas.js';
import type { AdminContext } from './context.js';
import { Ok, adminSchema } from './schemas.js';

const Csrf = Type.Object({ success: Type.Literal(true), csrf_token: Type.String() });

/** Registered without the admin hook: these routes authenticate by themselves. */
export function sessionRoutes({ sessions, deps }: AdminContext): FastifyPluginCallbackTypebox {
  const throttle = deps.guards.authThrottle;
  return (app, _options, done) => {
    app.post(
      '/login',
      adminSchema(
        {
          summary: 'Log in with the admin credential (sets the session cookie)',
          body: Type.Object(
            { credential: Type.String({ minLength: 1, maxLength: 200 }) },
            { additionalProperties: false },
          ),
        },
        { 200: Csrf },
      ),
      async (request, reply) => {
        // Refused before the credential is looked at: guessing must not go on while throttled.
        const retryAfter = throttle.refusal(request.ip, 'admin_login');
        if (retryAfter > 0) throw tooManyFailures(retryAfter);
        const session = await sessions.login(request.body.credential);
        if (!session) {
          throttle.failed(request.ip, 'admin_login');
          throw new SimpoolError('unauthorized', 'wrong admin credential');
        }
        setSessionCookie(request, reply, session.token);
        return { success: true as const, csrf_token: session.csrfToken };
      },
    );

    app.get(
      '/session',
      adminSchema({ summary: 'The current session and its CSRF token' }, { 200: Csrf }),
      async (request) => {
        const session = await sessions.resume(sessionToken(request));
        if (!session) throw new SimpoolError('unauthorized', 'not logged in');
        return { success: true as const, csrf_token: session.csrfToken };
      },
    );

    app.post(
      '/logout',
      adminSchema({ summary: 'End the session', body: NoBody }, { 200: Ok }),
      async (request, reply) => {
        const token = sessionToken(request);
        const session = await sessions.resume(token);
        // A live session is ended only by its own page (CSRF token); a dead one is just forgotten.
        if (session && !sameToken(request.headers['x-csrf-token'], session.csrfToken)) {
          throw new SimpoolError('forbidden', 'missing or wrong X-CSRF-Token');
        }
        sessions.end(token);
        clearSessionCookie(request, reply);
        return { success: true as const };
      },
    );
    done();
  };
}
