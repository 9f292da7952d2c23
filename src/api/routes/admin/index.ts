/**
 * The admin API under /api/v1/admin (docs/admin-api.md) and the `/ws/admin` live feed, both
 * behind the admin credential: an admin-scoped key, or the session cookie from /login.
 */
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { AdminService } from '../../../domain/index.js';
import type { ServerDeps } from '../../deps.js';
import { AdminSessions, requireAdmin } from '../../plugins/admin-auth.js';
import { registerAdminFeed } from '../../ws/admin-feed.js';
import { activityRoutes } from './activity.js';
import { catalogRoutes } from './catalog.js';
import type { AdminContext } from './context.js';
import { customerRoutes } from './customers.js';
import { modemRoutes } from './modems.js';
import { sessionRoutes } from './session.js';
import { webhookRoutes } from './webhooks.js';

export const ADMIN_PREFIX = '/api/v1/admin';

/** Registers the admin routes and feed on `app` (before it is ready). */
export function registerAdmin(
  app: FastifyInstance,
  deps: ServerDeps & { readonly admin: AdminService },
  /** The server's sessions (GET /health reads them too). */
  sessions: AdminSessions = new AdminSessions(deps),
): void {
  const context: AdminContext = { deps, admin: deps.admin, sessions };
  void app.register(
    async (scope) => {
      // Parses `Cookie` for the admin routes (and loads the parser the /ws/admin upgrade uses).
      await scope.register(fastifyCookie);
      await scope.register(sessionRoutes(context));
      await scope.register(async (authenticated) => {
        authenticated.addHook('onRequest', requireAdmin(deps, sessions));
        await authenticated.register(modemRoutes(context));
        await authenticated.register(customerRoutes(context));
        await authenticated.register(catalogRoutes(context));
        await authenticated.register(activityRoutes(context));
        await authenticated.register(webhookRoutes(context));
      });
    },
    { prefix: ADMIN_PREFIX },
  );
  registerAdminFeed(app, { ...deps, sessions }, deps.adminFeed);
}
