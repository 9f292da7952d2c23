/**
 * In-process CPU profile (node:inspector) and its attribution: every sample is charged to the
 * innermost frame of ours on its stack (src/<layer>/…), so node-pdu called by the simulator
 * counts as simulator, better-sqlite3 called by the store counts as store. Samples with no frame
 * of ours (event-loop plumbing, GC) stay "runtime".
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

export interface Attribution {
  /** Share of non-idle samples per layer (simulator, at, modem, pool, sms, store, …, runtime, gc). */
  readonly byLayer: Readonly<Record<string, number>>;
  /** Top functions by self time: share of non-idle samples. */
  readonly topSelf: readonly { readonly fn: string; readonly share: number }[];
}

export async function startProfile(): Promise<() => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile as unknown as CpuProfile;
  };
}

function layerOf(url: string): string | undefined {
  const ours = /\/src\/([a-z]+)\//.exec(url);
  if (ours) return ours[1];
  if (url.includes('/node_modules/better-sqlite3/')) return 'store';
  return undefined;
}

function shortName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(src|node_modules)\//, '$1/').replace(/^node:/, '');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

export function attribute(profile: CpuProfile, saveTo?: string): Attribution {
  if (saveTo) writeFileSync(saveTo, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const layerCache = new Map<number, string>();
  const layerFor = (id: number): string => {
    const cached = layerCache.get(id);
    if (cached) return cached;
    const node = byId.get(id);
    let layer: string;
    if (!node) layer = 'runtime';
    else if (node.callFrame.functionName === '(garbage collector)') layer = 'gc';
    else {
      const own = layerOf(node.callFrame.url);
      const up = parent.get(id);
      layer = own ?? (up === undefined ? 'runtime' : layerFor(up));
    }
    layerCache.set(id, layer);
    return layer;
  };
  const layerHits = new Map<string, number>();
  const selfHits = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0 || n.callFrame.functionName === '(idle)') continue;
    total += hits;
    const layer = layerFor(n.id);
    layerHits.set(layer, (layerHits.get(layer) ?? 0) + hits);
    const name = `[${layer}] ${shortName(n)}`;
    selfHits.set(name, (selfHits.get(name) ?? 0) + hits);
  }
  const share = (hits: number) => Math.round((hits / Math.max(1, total)) * 1000) / 1000;
  const byLayer = Object.fromEntries(
    [...layerHits].sort((a, b) => b[1] - a[1]).map(([layer, hits]) => [layer, share(hits)]),
  );
  const topSelf = [...selfHits]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([fn, hits]) => ({ fn, share: share(hits) }));
  return { byLayer, topSelf };
}
