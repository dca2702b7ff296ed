/** kernwatch's version: package.json's, read where the code is installed. */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

export function kernwatchVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string };
      cached = pkg.version ?? 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
