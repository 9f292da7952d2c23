import type { AdminService } from '../../../domain/index.js';
import type { ApiDeps } from '../../deps.js';
import type { AdminSessions } from '../../plugins/admin-auth.js';

/** What every admin route file gets. */
export interface AdminContext {
  readonly deps: ApiDeps;
  readonly admin: AdminService;
  readonly sessions: AdminSessions;
}
