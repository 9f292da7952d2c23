/** Times as the API and events show them: RFC 3339 UTC with milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
