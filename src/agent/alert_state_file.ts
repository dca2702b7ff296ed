/**
 * The engine's alert state on disk (`<state_dir>/alerts.json`), so that a
 * restart neither forgets a pending deadline nor leaves a firing alert
 * unresolved. Written whole to a temporary name, fsynced and renamed: a
 * crash leaves the old state or the new, never half of one. A file that
 * cannot be read is set aside and the agent starts with no alert state.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeSnapshot, encodeSnapshot, type EngineSnapshot } from '../engine/snapshot';
import type { Logger } from '../notifiers/notifier';

const FILE = 'alerts.json';
/** an alert state larger than this was not written by kernwatch */
const MAX_BYTES = 256 * 1024 * 1024;

export class AlertStateFile {
  readonly file: string;
  private lastWritten = '';
  private failing: string | undefined;

  constructor(
    stateDir: string,
    private readonly log: Logger,
  ) {
    this.file = path.join(stateDir, FILE);
  }

  /** The saved state, or undefined when there is none (a first start) or it cannot be used (logged). */
  load(): EngineSnapshot | undefined {
    let text: string;
    try {
      if (fs.statSync(this.file).size > MAX_BYTES) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.log.warn({ file: this.file, reason: code ?? String(e) }, 'cannot read the saved alert state; starting without it');
      return undefined;
    }
    try {
      return decodeSnapshot(text);
    } catch (e) {
      const aside = `${this.file}.corrupt`;
      try {
        fs.renameSync(this.file, aside);
      } catch {
        // a read-only disk: it stays, and is read (and refused) again next time
      }
      this.log.warn({ file: this.file, reason: (e as Error).message, moved: aside }, 'the saved alert state is unreadable; starting without it');
      return undefined;
    }
  }

  /** Writes the state if it changed. Never throws: a disk that refuses costs the restart its memory, which is logged once. */
  save(snapshot: EngineSnapshot): void {
    const text = encodeSnapshot({ ...snapshot, savedAt: 0 });
    if (text === this.lastWritten) return;
    const tmp = `${this.file}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        fs.writeSync(fd, encodeSnapshot(snapshot));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file);
      this.lastWritten = text;
      if (this.failing) this.log.info({ file: this.file }, 'alert state written again');
      this.failing = undefined;
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? String(e);
      if (this.failing !== reason)
        this.log.warn({ file: this.file, reason }, 'cannot write the alert state: a restart now would forget pending and firing alerts');
      this.failing = reason;
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // the same disk: nothing more to say
      }
    }
  }
}
