import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SimpoolError } from '../shared/index.js';

/**
 * Where modems come from, as configured: a device path, a glob over device paths
 * (`/dev/serial/by-path/*-port0`), a `tcp://host:port` URL (ser2net, network modem pools) or
 * `simulated:N` (N built-in simulated modems).
 */
export type ModemSource =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'glob'; readonly dir: string; readonly pattern: RegExp; readonly spec: string }
  | { readonly kind: 'tcp'; readonly url: string }
  | { readonly kind: 'simulated'; readonly count: number };

const GLOB_CHARS = /[*?[]/;

/** `*` and `?` within one path segment; `[...]` classes as in the shell. */
function basenamePattern(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new SimpoolError('config_invalid', `unclosed [ in modem glob ${glob}`);
      source += `[${glob
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
    } else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function parseModemSource(spec: string): ModemSource {
  const trimmed = spec.trim();
  const simulated = /^simulated:(\d+)$/.exec(trimmed);
  if (simulated) {
    const count = Number(simulated[1]);
    if (count < 1 || count > 256) {
      throw new SimpoolError('config_invalid', `simulated:N takes 1 to 256 modems, got ${count}`);
    }
    return { kind: 'simulated', count };
  }
  if (trimmed.startsWith('tcp://')) return { kind: 'tcp', url: trimmed };
  if (!trimmed.startsWith('/')) {
    throw new SimpoolError(
      'config_invalid',
      `modem "${spec}" is not an absolute device path, a glob, tcp://host:port or simulated:N`,
    );
  }
  const dir = path.dirname(trimmed);
  const base = path.basename(trimmed);
  if (GLOB_CHARS.test(dir)) {
    throw new SimpoolError(
      'config_invalid',
      `modem glob ${spec}: wildcards only in the last segment`,
    );
  }
  if (GLOB_CHARS.test(base))
    return { kind: 'glob', dir, pattern: basenamePattern(base), spec: trimmed };
  return { kind: 'path', path: trimmed };
}

/** Parses a comma-separated list (the `--modems` option). */
export function parseModemList(list: string): ModemSource[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map(parseModemSource);
}

/**
 * The device addresses the sources name right now: globs expanded, paths that exist (a missing
 * directory or device is no match: USB hubs and modems come and go), tcp:// URLs as they are. Simulated sources are not addresses: the pool
 * creates those modems itself.
 */
export async function expandSources(sources: readonly ModemSource[]): Promise<string[]> {
  const found = new Set<string>();
  for (const source of sources) {
    if (source.kind === 'path') {
      if (await exists(source.path)) found.add(source.path);
    } else if (source.kind === 'tcp') found.add(source.url);
    else if (source.kind === 'glob') {
      let names: string[] = [];
      try {
        names = await readdir(source.dir);
      } catch {
        names = [];
      }
      for (const name of names.sort()) {
        if (source.pattern.test(name)) found.add(path.join(source.dir, name));
      }
    }
  }
  return [...found];
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
