/**
 * The engine's alert state on disk (`<state_dir>/alerts.json`), so that a
 * restart neither forgets a pending deadline nor leaves a firing alert
 * unresolved. Written whole to a temporary name, fsynced and renamed: a
 * crash leaves the old state or the new, never half of one. The writes run
 * off the event loop, one at a time; snapshots saved while one is under way
 * wait, and only the latest of them is written. A file that cannot be used
 * (not a regular file, not JSON, not the schema) is set aside as
 * `alerts.json.corrupt` and the agent starts with no alert state.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { decodeSnapshot, encodeSnapshot, type EngineSnapshot } from '../engine/snapshot';
import type { Logger } from '../notifiers/notifier';
import { StateFileError, readRegularFile, setAside } from '../notifiers/regular_file';

const FILE = 'alerts.json';
/** an alert state larger than this was not written by kernwatch */
const MAX_BYTES = 256 * 1024 * 1024;

export class AlertStateFile {
  readonly file: string;
  private readonly tmp: string;
  private lastWritten = '';
  private failing: string | undefined;
  /** the snapshot to write once the write under way ends */
  private waiting: EngineSnapshot | undefined;
  /** the write under way, and every one waiting behind it */
  private writing: Promise<void> | undefined;

  constructor(
    stateDir: string,
    private readonly log: Logger,
  ) {
    this.file = path.join(stateDir, FILE);
    this.tmp = `${this.file}.tmp`;
  }

  /** The saved state, or undefined when there is none (a first start) or it cannot be used (logged). */
  async load(): Promise<EngineSnapshot | undefined> {
    let text: string;
    try {
      text = await readRegularFile(this.file, MAX_BYTES);
    } catch (e) {
      const code = (e as StateFileError).code;
      if (code === 'ENOENT') return undefined;
      // a FIFO, a directory, a symbolic link or a huge file were not written by kernwatch; EACCES or EIO may pass
      if (code === 'ENOTREG' || code === 'EFBIG' || code === 'ELOOP') return this.setAside((e as Error).message);
      this.log.warn({ file: this.file, reason: code ?? String(e) }, 'cannot read the saved alert state; starting without it');
      return undefined;
    }
    try {
      return decodeSnapshot(text);
    } catch (e) {
      return this.setAside((e as Error).message);
    }
  }

  private async setAside(reason: string): Promise<undefined> {
    const moved = await setAside(this.file);
    this.log.warn({ file: this.file, reason, ...(moved ? { moved } : {}) }, 'the saved alert state is unreadable; starting without it');
    return undefined;
  }

  /**
   * Writes the state if it changed, after the write under way; resolves when
   * this snapshot or a later one is on disk. Never rejects: a disk that
   * refuses costs the restart its memory, which is logged once.
   */
  save(snapshot: EngineSnapshot): Promise<void> {
    this.waiting = snapshot;
    this.writing ??= this.drain();
    return this.writing;
  }

  private async drain(): Promise<void> {
    try {
      for (let next = this.waiting; next !== undefined; next = this.waiting) {
        this.waiting = undefined;
        await this.write(next);
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(snapshot: EngineSnapshot): Promise<void> {
    try {
      // unchanged but for when it was saved: nothing to write
      const text = encodeSnapshot({ ...snapshot, savedAt: 0, clock: undefined });
      if (text === this.lastWritten) return;
      await this.writeFlushed(encodeSnapshot(snapshot));
      await fs.rename(this.tmp, this.file);
      this.lastWritten = text;
      if (this.failing) this.log.info({ file: this.file }, 'alert state written again');
      this.failing = undefined;
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? String(e);
      if (this.failing !== reason)
        this.log.warn({ file: this.file, reason }, 'cannot write the alert state: a restart now would forget pending and firing alerts');
      this.failing = reason;
      // the same disk: nothing more to say
      await fs.rm(this.tmp, { force: true }).catch(() => undefined);
    }
  }

  /** The new state in the temporary file, fsynced; one left by a crash (or anything else there) is removed first. */
  private async writeFlushed(text: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        // wx: create, never open what is there (a FIFO left in its place would block the write)
        await fs.writeFile(this.tmp, text, { flag: 'wx', mode: 0o600, flush: true });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
        await fs.rm(this.tmp, { force: true, recursive: true });
      }
    }
  }
}
