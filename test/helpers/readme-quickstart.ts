/**
 * Reads README.md's quick start the way the README-following test uses it. The README marks
 * its blocks with HTML comments (`<!-- quickstart: npm start output … -->`, `<!-- quickstart:
 * commands … -->`); inside a commands block
 *   - a command may continue over lines ending in `\`;
 *   - `# → TEXT` lines after a command show a line it prints, `…` standing for anything;
 *   - `NAME=prefix…   # …` means "copy it from the output above" (a key, an order id);
 *   - other comments are prose.
 */

export type QuickstartStep =
  | { readonly kind: 'run'; readonly command: string; readonly prints: string[] }
  | { readonly kind: 'copy'; readonly name: string; readonly pattern: string };

/** The contents of every fenced code block that follows `<!-- quickstart: WHAT…`. */
export function quickstartBlocks(markdown: string, what: string): string[] {
  const blocks: string[] = [];
  const marker = `<!-- quickstart: ${what}`;
  for (let at = markdown.indexOf(marker); at >= 0; at = markdown.indexOf(marker, at + 1)) {
    const fence = /```[a-z]*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
    if (fence) blocks.push(fence[1]!);
  }
  return blocks;
}

export function quickstartSteps(block: string): QuickstartStep[] {
  const steps: QuickstartStep[] = [];
  const lines = block.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const shown = /^# → (.*)$/.exec(line);
    const last = steps.at(-1);
    if (shown) {
      if (last?.kind !== 'run') throw new Error(`"# →" line without a command before it: ${line}`);
      last.prints.push(shown[1]!);
      continue;
    }
    if (line.trim() === '' || line.startsWith('#')) continue;
    const copy = /^([A-Z_]+)=(\S*…\S*)(\s+#.*)?$/.exec(line);
    if (copy) {
      steps.push({ kind: 'copy', name: copy[1]!, pattern: copy[2]! });
      continue;
    }
    while (line.endsWith('\\') && i + 1 < lines.length)
      line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    steps.push({ kind: 'run', command: line, prints: [] });
  }
  return steps;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A README line as a whole-line pattern: `…` is anything, the rest is literal. */
export function shownLinePattern(shown: string): RegExp {
  return new RegExp(`^${shown.split('…').map(escape).join('.*?')}$`);
}

/** The first token (newest output first) that fits `prefix…`, e.g. `sp_live_…`. */
export function copyFrom(outputs: readonly string[], pattern: string): string | undefined {
  const token = new RegExp(
    `(?<![A-Za-z0-9_])${pattern.split('…').map(escape).join('[^\\s"\'<>(),;]+')}`,
  );
  for (const output of [...outputs].reverse()) {
    const found = token.exec(output);
    if (found) return found[0];
  }
  return undefined;
}

/** `http://127.0.0.1:8080` in the README stands for whatever address the appliance printed. */
export const README_ORIGIN = /http:\/\/127\.0\.0\.1:\d+/g;

/**
 * Finds every line of the README's `npm start` output in the real output: placeholders are the
 * origins (captured, so README origin → real origin), `…`, and `dataDirShown` (the README's
 * example data directory) for the real one; or the first line not printed (yet).
 */
export function matchStartOutput(
  shownLines: readonly string[],
  output: string,
  dataDirShown: string,
  dataDir: string,
): { readonly origins: Map<string, string> } | { readonly missing: string } {
  const origins = new Map<string, string>();
  const actual = output.split('\n');
  for (const shown of shownLines) {
    const readmeOrigins = shown.match(README_ORIGIN) ?? [];
    const source = shown
      .split(/(http:\/\/127\.0\.0\.1:\d+|…)/)
      .map((part) => {
        if (/^http:\/\/127\.0\.0\.1:\d+$/.test(part)) return '(http://127\\.0\\.0\\.1:\\d+)';
        if (part === '…') return '.*?';
        return part.split(dataDirShown).map(escape).join(escape(dataDir));
      })
      .join('');
    const pattern = new RegExp(`^${source}$`);
    const found = actual.map((line) => pattern.exec(line)).find((m) => m !== null);
    if (!found) return { missing: shown };
    readmeOrigins.forEach((origin, i) => {
      const real = found[i + 1]!;
      if ((origins.get(origin) ?? real) !== real) {
        throw new Error(`${origin} stands for two addresses: ${origins.get(origin)} and ${real}`);
      }
      origins.set(origin, real);
    });
  }
  return { origins };
}
