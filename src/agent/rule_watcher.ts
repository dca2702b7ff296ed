/**
 * Watches the configured rule paths and calls back once per burst of
 * changes: a `git pull` or a config-management run writing files one after
 * another is one reload, taken when the writes have been quiet for
 * `quietMs` (or `maxWaitMs` after the first, if they never stop).
 * Directories are watched recursively; a single file through its directory,
 * since editors and Kubernetes ConfigMaps replace files rather than write them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RuleWatcherOptions {
  readonly quietMs: number;
  readonly maxWaitMs: number;
  readonly onChange: () => void;
  readonly onError: (error: Error, watched: string) => void;
}

export const DEFAULT_QUIET_MS = 500;
export const DEFAULT_MAX_WAIT_MS = 5_000;

export class RuleWatcher {
  private watchers: fs.FSWatcher[] = [];
  private quiet: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly roots: readonly string[],
    private readonly options: RuleWatcherOptions,
  ) {
    this.arm();
  }

  /** Watches again from scratch: a directory replaced since (`git checkout`) gets a fresh watch. */
  arm(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.closed) return;
    for (const root of this.roots) {
      const isDir = fs.statSync(root, { throwIfNoEntry: false })?.isDirectory() === true;
      const dir = isDir ? root : path.dirname(root);
      const only = isDir ? undefined : path.basename(root);
      try {
        const w = fs.watch(dir, { recursive: isDir, persistent: false }, (_type, name) => {
          if (only === undefined || name === null || name === only) this.changed();
        });
        w.on('error', (e) => this.options.onError(e, dir));
        this.watchers.push(w);
      } catch (e) {
        this.options.onError(e as Error, dir);
      }
    }
  }

  private changed(): void {
    if (this.closed) return;
    clearTimeout(this.quiet);
    this.quiet = setTimeout(() => this.fire(), this.options.quietMs);
    this.deadline ??= setTimeout(() => this.fire(), this.options.maxWaitMs);
  }

  private fire(): void {
    clearTimeout(this.quiet);
    clearTimeout(this.deadline);
    this.quiet = undefined;
    this.deadline = undefined;
    if (!this.closed) this.options.onChange();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.quiet);
    clearTimeout(this.deadline);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
