/**
 * A password file's text without its trailing line break (files written by `echo` or a secrets
 * manager end with one); anything else, spaces included, is the password. The config check
 * reads the file by the same rule. Its own module: the config check uses it on every engine,
 * without loading the PostgreSQL engine.
 */
export function passwordFromFileText(text: string): string {
  return text.replace(/\r?\n$/, '');
}
