/**
 * The pool's ports are asynchronous, as a database across a network needs them to be. SQLite
 * does the work at once, synchronously, when the call is made, and hands back a settled promise:
 * a throw becomes a rejection, as it would come from a network engine. Because the work runs
 * when the call is made, a call made inside a `db.transaction(...)` joins that transaction (as a
 * savepoint), and calls made one after the other commit in that order.
 */
export function settled<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}
