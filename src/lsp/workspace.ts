/**
 * The rule sets an editor has open. A rule file belongs to the rule set of
 * the nearest kernwatch.yaml above it when that config's `rules` paths hold
 * it (checked against its notifiers, as `rules check --config` does); else
 * to the .rules files of its own directory and below (its directory alone
 * when the tree below holds more than 20,000 entries), checked against that
 * config's notifiers if there is one. Each set is one incremental checker over
 * the files on disk, with the editor's unsaved text in place of theirs; a
 * config changed on disk is read again at the next edit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkOptionsFor } from '../config/check_action';
import type { Config } from '../config/config';
import { loadConfig } from '../config/load_config';
import { RULE_FILE_MAX_BYTES, readTextFile } from '../config/text_file';
import { findRuleFiles, RULE_FILE_EXTENSION, RuleSetChecker, RuleTreeTooLarge, type CheckResult, type Diagnostic } from '../dsl';

export const CONFIG_FILE_NAME = 'kernwatch.yaml';
/** closed files are looked at on disk once a second at most: every edit would stat them all */
export const DISK_CHECK_MS = 1000;

export interface RuleSet {
  /** the config file or the directory that defines the set */
  readonly key: string;
  readonly checker: RuleSetChecker;
  /** the kernwatch.yaml found above the set's files */
  readonly configFile?: string;
  config?: Config;
  /** the config's problem, when one was found and did not load */
  configProblem?: string;
  /** the config file's modification time and size when it was read */
  configStamp?: string;
}

export class Workspace {
  private readonly sets = new Map<string, RuleSet>();
  private readonly setOfFile = new Map<string, RuleSet>();
  /** the editor's text of open files */
  private readonly open = new Map<string, string>();
  /** modification time and size of each closed file when it was read */
  private readonly stamps = new Map<string, string>();
  /** per set: when its closed files were last looked at, on `now` */
  private readonly lastDiskCheck = new Map<string, number>();

  /** `now` is monotonic ms: a wall clock stepped back would leave the disk unread for as long as the step */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The set `file` belongs to, read from disk the first time. */
  setOf(file: string): RuleSet {
    const known = this.setOfFile.get(file);
    if (known) return known;
    const { key, files, configFile } = locate(file);
    let set = this.sets.get(key);
    if (!set) {
      set = { key, checker: new RuleSetChecker(), ...(configFile ? { configFile } : {}) };
      refreshConfig(set);
      this.sets.set(key, set);
      for (const f of files) {
        const text = this.open.get(f) ?? this.read(f);
        if (text !== undefined) set.checker.set(f, text);
        this.setOfFile.set(f, set);
      }
    }
    this.setOfFile.set(file, set);
    return set;
  }

  /** The editor opened or changed `file`: its text replaces the file's. */
  edit(file: string, text: string): RuleSet {
    this.open.set(file, text);
    const set = this.setOf(file);
    refreshConfig(set);
    this.refreshClosed(set);
    set.checker.set(file, text);
    return set;
  }

  /** The editor closed `file`: the set goes back to what is on disk. */
  close(file: string): RuleSet | undefined {
    this.open.delete(file);
    const set = this.setOfFile.get(file);
    if (!set) return undefined;
    const text = this.read(file);
    if (text === undefined) set.checker.remove(file);
    else set.checker.set(file, text);
    return set;
  }

  /** The text of a file of a set as its set last checked it: the editor's, else the disk's. */
  text(file: string): string | undefined {
    return this.open.get(file) ?? this.setOfFile.get(file)?.checker.text(file) ?? readQuietly(file);
  }

  /** Closed files of `set` changed on disk (a `git pull`) are read again, looked at once a second at most. */
  private refreshClosed(set: RuleSet): void {
    const now = this.now();
    if (now - (this.lastDiskCheck.get(set.key) ?? -Infinity) < DISK_CHECK_MS) return;
    this.lastDiskCheck.set(set.key, now);
    for (const f of set.checker.fileNames()) {
      if (this.open.has(f) || !this.stamps.has(f) || stampOf(f) === this.stamps.get(f)) continue;
      const text = this.read(f);
      if (text === undefined) set.checker.remove(f);
      else set.checker.set(f, text);
    }
  }

  private read(file: string): string | undefined {
    const stamp = stampOf(file);
    const text = readQuietly(file);
    if (text === undefined) this.stamps.delete(file);
    else this.stamps.set(file, stamp);
    return text;
  }

  /** Every file's diagnostics in `set`, files without any included (so that fixed ones are cleared). */
  static diagnosticsByFile(set: RuleSet, result: CheckResult): Map<string, Diagnostic[]> {
    const out = new Map<string, Diagnostic[]>(set.checker.fileNames().map((f) => [f, []]));
    for (const d of result.diagnostics) out.get(d.file)?.push(d);
    return out;
  }
}

function stampOf(file: string): string {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat ? `${stat.mtimeMs}:${stat.size}` : 'gone';
}

function readQuietly(file: string): string | undefined {
  try {
    return readTextFile(file, RULE_FILE_MAX_BYTES, 'rule file');
  } catch {
    return undefined;
  }
}

/** Reads the set's config when it is new or changed on disk, and checks the rules against its notifiers. */
function refreshConfig(set: RuleSet): void {
  if (!set.configFile) return;
  const stamp = stampOf(set.configFile);
  if (stamp === set.configStamp) return;
  set.configStamp = stamp;
  try {
    set.config = loadConfig(set.configFile);
    set.configProblem = undefined;
  } catch (e) {
    set.config = undefined;
    set.configProblem = (e as Error).message;
  }
  set.checker.setOptions(checkOptionsFor(set.config));
}

interface Located {
  readonly key: string;
  readonly files: readonly string[];
  readonly configFile?: string;
}

function locate(file: string): Located {
  // an unsaved buffer (untitled:...) is a rule set of its own
  if (!path.isAbsolute(file)) return { key: file, files: [] };
  const configFile = findUp(path.dirname(file), CONFIG_FILE_NAME);
  let config: Config | undefined;
  try {
    config = configFile ? loadConfig(configFile) : undefined;
  } catch {
    // said by refreshConfig, which reads it again for the set
  }
  const inRules = config?.rules.some((r) => file === r || file.startsWith(`${r}${path.sep}`)) ?? false;
  if (config && configFile && inRules) return { key: configFile, files: filesUnder(config.rules) ?? [], configFile };
  const dir = path.dirname(file);
  // a file in a large tree (a home directory, a repository's root) checks with its own directory's files only
  const files = filesUnder([dir], MAX_WALK) ?? filesIn(dir);
  return { key: dir, files, ...(configFile ? { configFile } : {}) };
}

/** Directory entries a rule set's walk may look at. */
const MAX_WALK = 20_000;

/**
 * undefined when the walk went past `maxEntries`; a path that does not
 * exist yet or cannot be read adds nothing (the editor's files are the set).
 */
function filesUnder(paths: readonly string[], maxEntries?: number): string[] | undefined {
  const out: string[] = [];
  for (const p of paths) {
    try {
      out.push(...findRuleFiles([p], { maxEntries, skipUnreadable: true }));
    } catch (e) {
      if (e instanceof RuleTreeTooLarge) return undefined;
    }
  }
  return out;
}

function filesIn(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => n.endsWith(RULE_FILE_EXTENSION) && !n.startsWith('.'))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

function findUp(dir: string, name: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, name);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return undefined;
  }
}
