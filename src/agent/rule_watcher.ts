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
import { systemClock, type Clock } from '../notifiers/clock';

export interface RuleWatcherOptions {
  readonly quietMs: number;
  readonly maxWaitMs: number;
  readonly onChange: () => void;
  readonly onError: (error: Error, watched: string) => void;
  /** whose timers measure quiet and the maximum wait; default the system's monotonic one */
  readonly clock?: Clock;
}

export const DEFAULT_QUIET_MS = 500;
export const DEFAULT_MAX_WAIT_MS = 5_000;

export class RuleWatcher {
  private watchers: fs.FSWatcher[] = [];
  /** cancel the timers under way */
  private quiet: (() => void) | undefined;
  private deadline: (() => void) | undefined;
  private closed = false;
  private readonly clock: Clock;

  constructor(
    private readonly roots: readonly string[],
    private readonly options: RuleWatcherOptions,
  ) {
    this.clock = options.clock ?? systemClock;
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
    this.quiet?.();
    this.quiet = this.clock.after(this.options.quietMs, () => this.fire());
    this.deadline ??= this.clock.after(this.options.maxWaitMs, () => this.fire());
  }

  private fire(): void {
    this.cancelTimers();
    if (!this.closed) this.options.onChange();
  }

  private cancelTimers(): void {
    this.quiet?.();
    this.deadline?.();
    this.quiet = undefined;
    this.deadline = undefined;
  }

  close(): void {
    this.closed = true;
    this.cancelTimers();
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
