/**
 * A notifier's durable, bounded outbox: one JSON file per pending delivery,
 * written to a temporary name with O_DSYNC, so that its one write returns
 * once the data is on disk, then renamed into place. An entry is safe once
 * that write returned: a SIGKILL before the rename leaves a complete `.tmp`
 * file, which the next start checks and recovers; one cut short (never
 * acknowledged) is removed.
 * Every entry read back is checked against its schema first, and what fails
 * is set aside as `*.corrupt`, so no bad file can hold back the others.
 * Delivered entries are unlinked. Without a directory the outbox lives in
 * memory (stdout, `rules test --send`).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Alert } from '../engine/alert';
import type { OutboxSettings } from '../config/config';
import type { Delivery } from './notifier';
import { storableAlert } from './render';
import { deliveryProblem } from './delivery_schema';
import { StateFileError, readRegularFile, setAside } from './regular_file';
import { monotonicFromWall, systemClock, type Clock } from './clock';

export type DropReason = 'overflow' | 'expired' | 'rejected' | 'corrupt';

/**
 * A new entry's file: O_DSYNC makes its one write durable when it returns,
 * as write and fsync would, with one step fewer; O_EXCL never opens what is there.
 */
const CREATE_DSYNC = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC;

/** an entry is a few KiB; one far larger was not written by kernwatch */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;

export type AddResult =
  | {
      readonly outcome: 'queued';
      readonly delivery: Delivery;
      readonly dropped: readonly Delivery[];
      /** performance.now() when the entry's data was on disk (fsynced); absent in memory or when the write failed */
      readonly persistedAt?: number;
      /** set when the disk write failed: the entry is kept in memory and still delivered, but would not survive a crash */
      readonly writeError?: string;
    }
  | { readonly outcome: 'duplicate' };

/** What opening found that a previous run left in a bad state. */
export interface OutboxOpening {
  /** entry files that could not be read or failed their schema: renamed to `*.corrupt` (kept where the disk refused) */
  readonly setAside: readonly { readonly file: string; readonly reason: string }[];
  /** complete entries written but not yet renamed when the previous run died, now pending again */
  readonly recovered: number;
  /** the outbox path was not a directory: what was there now has this name */
  readonly movedDir?: string;
}

/**
 * One notification to one target: the same key before and after a restart,
 * a new key for each repeat and for the resolution, so a receiver that
 * de-duplicates on it drops only true re-deliveries.
 */
export function idempotencyKey(alert: Alert, args: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([alert.fingerprint, alert.state, alert.startsAt, alert.at, args, alert.test ?? false]))
    .digest('hex')
    .slice(0, 32);
}

export class Outbox {
  private readonly entries: Delivery[] = [];
  /** by entry id: when it was queued, on the monotonic clock, for max_age */
  private readonly queuedAt = new Map<string, number>();
  private seq = 0;
  /** keys being written, so two concurrent adds of one key make one entry */
  private readonly writing = new Set<string>();
  private syncing = false;
  private syncAgain = false;
  opening: OutboxOpening = { setAside: [], recovered: 0 };

  private constructor(
    private readonly dir: string | undefined,
    readonly settings: OutboxSettings,
    private readonly clock: Clock,
  ) {}

  /** Opens (creating) the directory and reads back what a previous run left. */
  static async open(dir: string | undefined, settings: OutboxSettings, clock: Clock = systemClock): Promise<Outbox> {
    const box = new Outbox(dir, settings, clock);
    if (dir) box.opening = await box.load(dir);
    return box;
  }

  private async load(dir: string): Promise<OutboxOpening> {
    const movedDir = await makeDirectory(dir);
    const setAsideFiles: { file: string; reason: string }[] = [];
    let recovered = 0;
    for (const name of (await fs.readdir(dir)).sort()) {
      const tmpId = /^\.(.+)\.tmp$/.exec(name)?.[1];
      const id = tmpId ?? (name.endsWith('.json') ? name.slice(0, -'.json'.length) : undefined);
      if (id === undefined) continue;
      const full = path.join(dir, name);
      const read = await readEntry(full);
      if ('problem' in read) {
        // a write cut short was never acknowledged to anyone: nothing is lost
        if (tmpId !== undefined) await fs.rm(full, { force: true }).catch(() => undefined);
        else setAsideFiles.push({ file: (await setAside(full)) ?? full, reason: read.problem });
        continue;
      }
      if (tmpId !== undefined) {
        // fsynced before the previous run died, only its rename was lost
        await fs.rename(full, path.join(dir, `${id}.json`)).catch(() => undefined);
        recovered++;
      }
      this.entries.push({ ...read.delivery, id });
      // the file has wall time, which outlives a reboot (the monotonic clock starts again at boot): converted once, here
      this.queuedAt.set(id, monotonicFromWall(read.delivery.enqueuedAt, this.clock));
    }
    this.entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (recovered > 0) this.syncDirSoon();
    return { setAside: setAsideFiles, recovered, ...(movedDir ? { movedDir } : {}) };
  }

  get size(): number {
    return this.entries.length;
  }

  pending(): readonly Delivery[] {
    return this.entries;
  }

  /**
   * Persists a delivery before resolving. A key already pending is a
   * duplicate. When full, the oldest entries make room and are returned so
   * the caller counts them.
   */
  async add(fields: Omit<Delivery, 'id'>, supersedes?: (incoming: Delivery, pending: Delivery) => boolean): Promise<AddResult> {
    if (this.writing.has(fields.key) || this.entries.some((e) => e.key === fields.key)) return { outcome: 'duplicate' };
    const queuedAt = this.clock.now();
    const id = `${String(fields.enqueuedAt).padStart(14, '0')}-${String(this.seq++ % 1e6).padStart(6, '0')}-${fields.key.slice(0, 12)}`;
    const delivery: Delivery = { ...fields, alert: storableAlert(fields.alert), id };
    this.writing.add(fields.key);
    let writeError: string | undefined;
    let persistedAt: number | undefined;
    try {
      if (this.dir) persistedAt = await this.write(delivery);
    } catch (e) {
      // a full or failing disk must not cost the alert itself
      writeError = String((e as Error)?.message ?? e);
    } finally {
      this.writing.delete(fields.key);
    }
    const superseded = supersedes ? this.entries.filter((e) => supersedes(delivery, e)) : [];
    this.entries.push(delivery);
    this.queuedAt.set(id, queuedAt);
    const overflow = this.entries.length > this.settings.maxEntries ? this.entries.slice(0, this.entries.length - this.settings.maxEntries) : [];
    await this.remove([...superseded, ...overflow]);
    return {
      outcome: 'queued',
      delivery,
      dropped: overflow,
      ...(persistedAt !== undefined ? { persistedAt } : {}),
      ...(writeError ? { writeError } : {}),
    };
  }

  /** Entries older than max_age, removed and returned for counting. */
  async expire(): Promise<Delivery[]> {
    const now = this.clock.now();
    const old = this.entries.filter((e) => now - (this.queuedAt.get(e.id) ?? now) > this.settings.maxAgeMs);
    await this.remove(old);
    return old;
  }

  async remove(done: readonly Delivery[]): Promise<void> {
    if (done.length === 0) return;
    const ids = this.forget(done);
    if (!this.dir) return;
    const dir = this.dir;
    // a file that cannot be unlinked only means a repeat after a restart, under the same key
    await Promise.all([...ids].map((id) => fs.rm(path.join(dir, `${id}.json`), { force: true }).catch(() => undefined)));
    this.syncDirSoon();
  }

  /** A pending entry that cannot be delivered as it is (its rendering throws): out of the queue, its file kept as `*.corrupt`. */
  async setAside(bad: Delivery): Promise<void> {
    this.forget([bad]);
    if (this.dir) await setAside(path.join(this.dir, `${bad.id}.json`));
  }

  private forget(done: readonly Delivery[]): Set<string> {
    const ids = new Set(done.map((d) => d.id));
    for (let i = this.entries.length - 1; i >= 0; i--) if (ids.has(this.entries[i]?.id ?? '')) this.entries.splice(i, 1);
    for (const id of ids) this.queuedAt.delete(id);
    return ids;
  }

  /**
   * Returns performance.now() at the moment the entry's data was on disk.
   * Each step waits for a turn of the event loop, which a flood of records
   * makes one slice of evaluation long: the entry is durable after two
   * (open, write), in place after three (rename and close at once).
   */
  private async write(d: Delivery): Promise<number> {
    const dir = this.dir as string;
    const tmp = path.join(dir, `.${d.id}.tmp`);
    const file = await fs.open(tmp, CREATE_DSYNC, 0o600);
    let persistedAt: number;
    try {
      const bytes = Buffer.from(JSON.stringify(d));
      for (let at = 0; at < bytes.length;) at += (await file.write(bytes, at)).bytesWritten;
      persistedAt = performance.now();
    } catch (e) {
      await file.close().catch(() => undefined);
      // half an entry: the next start would remove it anyway
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
    await Promise.all([fs.rename(tmp, path.join(dir, `${d.id}.json`)), file.close()]);
    // the name's own durability against a power loss; the entry is safe without it (recovered from .tmp)
    this.syncDirSoon();
    return persistedAt;
  }

  /** fsyncs the directory in the background, once more after the one running: every change asked before it ends is covered. */
  private syncDirSoon(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    const dir = this.dir as string;
    void (async () => {
      do {
        this.syncAgain = false;
        await syncDir(dir).catch(() => undefined);
      } while (this.syncAgain);
      this.syncing = false;
    })();
  }
}

/** The delivery in `file`, or why it cannot be delivered. */
async function readEntry(file: string): Promise<{ delivery: Delivery } | { problem: string }> {
  let value: unknown;
  try {
    value = JSON.parse(await readRegularFile(file, MAX_ENTRY_BYTES));
  } catch (e) {
    return { problem: e instanceof StateFileError ? e.message : `not JSON: ${(e as Error).message}` };
  }
  const problem = deliveryProblem(value);
  return problem === undefined ? { delivery: value as Delivery } : { problem };
}

/**
 * mkdir -p; a file (or a FIFO, a socket) where the directory should be is
 * renamed to `*.corrupt` and the directory made, so alerts keep flowing.
 * Returns the name it was moved to.
 */
async function makeDirectory(dir: string): Promise<string | undefined> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // its own rename, not setAside(): a read-only disk's EROFS must reach the dispatcher, which then runs from memory
  const moved = `${dir}.corrupt`;
  await fs.rename(dir, moved);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  return moved;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
