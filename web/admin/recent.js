/** The live events seen since the page was opened (newest first), for views opened later. */
const LIMIT = 50;
const events = [];

export function remember(event) {
  events.unshift(event);
  if (events.length > LIMIT) events.length = LIMIT;
}

export function recentEvents() {
  return [...events];
}
