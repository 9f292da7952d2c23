import { execFileSync } from 'node:child_process';

/**
 * Tests that need a system tool (socat, gammu, chromium) fail loudly when it is missing:
 * `.ci/run` installs them, and a silent skip would hide a broken CI image.
 */
export function requireTool(name: string, debianPackage = name): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `${name} is not installed; this test needs it (apt-get install -y ${debianPackage}, as .ci/run does)`,
    );
  }
}
