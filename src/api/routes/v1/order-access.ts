/**
 * Finding the asking key's order: by `ord_…` or activation id, in the key's mode only. The one
 * boundary between live and sandbox for every door: REST, the legacy API (by activation id).
 */
import { SimpoolError } from '../../../shared/index.js';
import type { OrderDetail } from '../../../domain/index.js';
import type { ApiDeps } from '../../deps.js';
import type { ApiPrincipal } from '../../plugins/auth.js';

/**
 * Another customer's order and an order of the other mode (live vs sandbox) are both "not found":
 * a 403 would confirm that the id exists.
 */
export async function ownOrder(
  deps: ApiDeps,
  principal: Pick<ApiPrincipal, 'customerId' | 'sandbox'>,
  ref: string,
): Promise<OrderDetail> {
  const order = await deps.orders.get(principal.customerId, ref);
  if (order.sandbox !== principal.sandbox)
    throw new SimpoolError('order_not_found', 'no such order');
  return order;
}
