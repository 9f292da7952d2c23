/**
 * Progress lines for long operations (probing many ports, migrations). Written to stderr and
 * only when it is a terminal: stdout stays the result, and scripts and logs get no chatter.
 */
export type Progress = (line: string) => void;

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return () => undefined;
  return (line) => {
    stream.write(`${line}\n`);
  };
}
