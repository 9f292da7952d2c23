import type { AdminService } from '../../../domain/index.js';
import type { ServerDeps } from '../../deps.js';
import type { AdminSessions } from '../../plugins/admin-auth.js';

/** What every admin route file gets. */
export interface AdminContext {
  readonly deps: ServerDeps;
  readonly admin: AdminService;
  readonly sessions: AdminSessions;
}
