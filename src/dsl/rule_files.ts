/**
 * Which files a PATH argument names: a file as given, a directory's
 * `*.rules` files recursively, in a stable (sorted) order so diagnostics
 * and generated names do not depend on readdir order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const RULE_FILE_EXTENSION = '.rules';

export class RuleFilesError extends Error {}

/** A walk went past its `maxEntries`. */
export class RuleTreeTooLarge extends RuleFilesError {}

export interface WalkOptions {
  /**
   * directory entries to look at, at most, before giving up with a
   * RuleTreeTooLarge (an editor opening a file in a home directory must not
   * walk all of it)
   */
  readonly maxEntries?: number;
  /** a directory below the paths that cannot be read adds nothing, instead of failing the walk */
  readonly skipUnreadable?: boolean;
}

export function findRuleFiles(paths: readonly string[], options: WalkOptions = {}): string[] {
  const out: string[] = [];
  const budget = { left: options.maxEntries ?? Infinity, skipUnreadable: options.skipUnreadable === true };
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      throw new RuleFilesError(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(e)}`);
    }
    if (stat.isDirectory()) out.push(...walk(p, budget));
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
function walk(dir: string, budget: { left: number; readonly skipUnreadable: boolean }): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    if (budget.skipUnreadable) return [];
    throw e;
  }
  budget.left -= entries.length;
  if (budget.left < 0) throw new RuleTreeTooLarge(`${dir}: more entries below it than a rule directory has`);
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
    if (kind.isDirectory()) return walk(full, budget);
    return kind.isFile() && e.name.endsWith(RULE_FILE_EXTENSION) ? [full] : [];
  });
}
