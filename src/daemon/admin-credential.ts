/**
 * The admin credential on disk: `<dataDir>/admin-credential`, the plain key and a newline,
 * mode 0600 (only the daemon's user can read it). Generated on first start; a file whose key
 * is unknown or revoked (a copied data dir, a rotation from another machine) is replaced.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OperatorAccount } from '../domain/index.js';

export const ADMIN_CREDENTIAL_FILE = 'admin-credential';

export interface AdminCredential {
  readonly credential: string;
  readonly file: string;
  /** True when this call generated it (the only time `simpool start` prints it). */
  readonly created: boolean;
}

export function adminCredentialPath(dataDir: string): string {
  return path.join(dataDir, ADMIN_CREDENTIAL_FILE);
}

export async function readCredential(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Written to a temporary file first (mode 0600): a crash never leaves a half-written secret. */
export async function writeCredential(file: string, credential: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${credential}\n`, { mode: 0o600 });
  // The mode given to writeFile is filtered by the umask; 0600 is what we promise.
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

/** The current credential, generating (and storing) one when there is no usable one. */
export async function ensureAdminCredential(
  dataDir: string,
  operator: OperatorAccount,
): Promise<AdminCredential> {
  const file = adminCredentialPath(dataDir);
  const existing = await readCredential(file);
  if (existing !== undefined && (await operator.isCredential(existing))) {
    return { credential: existing, file, created: false };
  }
  const issued = await operator.issueCredential();
  await writeCredential(file, issued.plainKey);
  return { credential: issued.plainKey, file, created: true };
}

/** A new credential; the one in the file (if valid) is revoked at once. */
export async function rotateAdminCredential(
  dataDir: string,
  operator: OperatorAccount,
): Promise<AdminCredential> {
  const file = adminCredentialPath(dataDir);
  const existing = await readCredential(file);
  const issued = await operator.issueCredential(existing);
  await writeCredential(file, issued.plainKey);
  return { credential: issued.plainKey, file, created: true };
}
