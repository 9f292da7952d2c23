/**
 * The live feed `/ws/admin`: frames go to `onFrame`; a dropped connection is retried with
 * exponential backoff (1 s doubling to 30 s, with jitter so a restarted appliance is not hit by
 * every open tab at once). Close code 4401 means the session is gone: no retry.
 */
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

export function connectLive({ onFrame, onStatus, onUnauthorized }) {
  let socket = null;
  let timer = null;
  let delay = FIRST_DELAY_MS;
  let stopped = false;

  const open = () => {
    if (stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    onStatus('connecting');
    socket = new WebSocket(`${scheme}://${location.host}/ws/admin`);
    socket.addEventListener('message', (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      if (frame?.type === 'hello') {
        delay = FIRST_DELAY_MS;
        onStatus('live');
      }
      onFrame(frame);
    });
    socket.addEventListener('close', (event) => {
      socket = null;
      if (stopped) return;
      if (event.code === 4401) {
        onStatus('offline');
        onUnauthorized();
        return;
      }
      onStatus('reconnecting');
      const wait = delay * (0.75 + Math.random() / 2);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
      timer = setTimeout(open, wait);
    });
  };

  open();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      socket?.close(1000, 'logged out');
      onStatus('offline');
    },
  };
}
