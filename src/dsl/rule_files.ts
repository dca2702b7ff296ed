/**
 * Which files a PATH argument names: a file as given, a directory's
 * `*.rules` files recursively, in a stable (sorted) order so diagnostics
 * and generated names do not depend on readdir order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const RULE_FILE_EXTENSION = '.rules';

export class RuleFilesError extends Error {}

export function findRuleFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      throw new RuleFilesError(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(e)}`);
    }
    if (stat.isDirectory()) out.push(...walk(p));
    else if (stat.isFile()) out.push(p);
    else throw new RuleFilesError(`${p}: not a regular file or a directory`);
  }
  return [...new Set(out)];
}

/**
 * Hidden entries are skipped and links followed: a Kubernetes ConfigMap
 * volume holds its files as links into a hidden `..<timestamp>` directory,
 * which must be read once, through the links, whatever the kubelet is
 * swapping underneath.
 */
function walk(dir: string): string[] {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((e) => {
    if (e.name.startsWith('.')) return [];
    const full = path.join(dir, e.name);
    let kind: { isDirectory(): boolean; isFile(): boolean } = e;
    if (e.isSymbolicLink()) {
      try {
        kind = fs.statSync(full);
      } catch {
        return []; // a dangling link: nothing to read
      }
    }
    if (kind.isDirectory()) return walk(full);
    return kind.isFile() && e.name.endsWith(RULE_FILE_EXTENSION) ? [full] : [];
  });
}
