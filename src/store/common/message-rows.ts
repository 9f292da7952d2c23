/**
 * The columns every list that merges SMS in and out selects (the Messaging API's and the admin
 * page's), and their mapping: each list adds its own columns around them.
 */
export interface MessageSummaryRow {
  readonly direction: 'in' | 'out';
  readonly id: string;
  readonly from_number: string | null;
  readonly to_number: string | null;
  readonly body: string;
  readonly parts: number;
  readonly status: string;
  readonly sim_id: string | null;
  readonly created_at: number;
}

export function summaryFromRow(row: MessageSummaryRow) {
  return {
    id: row.id,
    direction: row.direction,
    from: row.from_number,
    to: row.to_number,
    body: row.body,
    parts: row.parts,
    status: row.status,
    simId: row.sim_id,
  };
}
