/**
 * A notifier's durable, bounded outbox: one JSON file per pending delivery,
 * written to a temporary name, fsynced and renamed into place, so a SIGKILL
 * at any instant leaves either the whole entry or none of it. Delivered
 * entries are unlinked. Without a directory the outbox lives in memory
 * (stdout, `rules test --send`).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Alert } from '../engine/alert';
import type { OutboxSettings } from '../config/config';
import type { Delivery } from './notifier';
import { storableAlert } from './render';

export type DropReason = 'overflow' | 'expired' | 'rejected' | 'corrupt';

export type AddResult =
  | {
      readonly outcome: 'queued';
      readonly delivery: Delivery;
      readonly dropped: readonly Delivery[];
      /** set when the disk write failed: the entry is kept in memory and still delivered, but would not survive a crash */
      readonly writeError?: string;
    }
  | { readonly outcome: 'duplicate' };

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
  private seq = 0;
  /** keys being written, so two concurrent adds of one key make one entry */
  private readonly writing = new Set<string>();
  /** entry files that could not be read back at open */
  corruptAtOpen = 0;

  private constructor(
    private readonly dir: string | undefined,
    readonly settings: OutboxSettings,
  ) {}

  /** Opens (creating) the directory and reads back what a previous run left. */
  static async open(dir: string | undefined, settings: OutboxSettings): Promise<Outbox> {
    const box = new Outbox(dir, settings);
    if (dir) await box.load(dir);
    return box;
  }

  private async load(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const names = (await fs.readdir(dir)).sort();
    for (const name of names) {
      const full = path.join(dir, name);
      if (name.endsWith('.tmp')) {
        // a write interrupted before its rename: never acknowledged to the caller
        await fs.rm(full, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const d = JSON.parse(await fs.readFile(full, 'utf8')) as Delivery;
        if (typeof d.key !== 'string' || typeof d.alert?.fingerprint !== 'string') throw new Error('not a delivery');
        this.entries.push({ ...d, id: name.slice(0, -'.json'.length) });
      } catch {
        this.corruptAtOpen++;
        await fs.rename(full, `${full}.corrupt`).catch(() => undefined);
      }
    }
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
    const id = `${String(fields.enqueuedAt).padStart(14, '0')}-${String(this.seq++ % 1e6).padStart(6, '0')}-${fields.key.slice(0, 12)}`;
    const delivery: Delivery = { ...fields, alert: storableAlert(fields.alert), id };
    this.writing.add(fields.key);
    let writeError: string | undefined;
    try {
      if (this.dir) await this.write(delivery);
    } catch (e) {
      // a full or failing disk must not cost the alert itself
      writeError = String((e as Error)?.message ?? e);
    } finally {
      this.writing.delete(fields.key);
    }
    const superseded = supersedes ? this.entries.filter((e) => supersedes(delivery, e)) : [];
    this.entries.push(delivery);
    const overflow = this.entries.length > this.settings.maxEntries ? this.entries.slice(0, this.entries.length - this.settings.maxEntries) : [];
    await this.remove([...superseded, ...overflow]);
    return { outcome: 'queued', delivery, dropped: overflow, ...(writeError ? { writeError } : {}) };
  }

  /** Entries older than max_age, removed and returned for counting. */
  async expire(now: number): Promise<Delivery[]> {
    const old = this.entries.filter((e) => now - e.enqueuedAt > this.settings.maxAgeMs);
    await this.remove(old);
    return old;
  }

  async remove(done: readonly Delivery[]): Promise<void> {
    if (done.length === 0) return;
    const ids = new Set(done.map((d) => d.id));
    for (let i = this.entries.length - 1; i >= 0; i--) if (ids.has(this.entries[i]?.id ?? '')) this.entries.splice(i, 1);
    if (!this.dir) return;
    const dir = this.dir;
    // a file that cannot be unlinked only means a repeat after a restart, under the same key
    await Promise.all([...ids].map((id) => fs.rm(path.join(dir, `${id}.json`), { force: true }).catch(() => undefined)));
    await syncDir(dir).catch(() => undefined);
  }

  private async write(d: Delivery): Promise<void> {
    const dir = this.dir as string;
    const tmp = path.join(dir, `.${d.id}.tmp`);
    const file = await fs.open(tmp, 'wx', 0o600);
    try {
      await file.writeFile(JSON.stringify(d));
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(tmp, path.join(dir, `${d.id}.json`));
    await syncDir(dir);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
