/**
 * The cursor of lists that merge SMS in and out: (created_at, id) of the last row shown, so rows
 * of both tables page together in one stable newest-first order. Opaque to clients.
 */
export function encodeMessageCursor(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id]), 'utf8').toString('base64url');
}

/** null for a cursor that is not one of ours: the first page. */
export function decodeMessageCursor(cursor: string | undefined): { at: number; id: string } | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      value[1].length <= 80
    ) {
      return { at: value[0] as number, id: value[1] };
    }
  } catch {
    // not ours
  }
  return null;
}
