/** Making the kernel migrate pages: compact all memory, with some recently dirtied. */
import { runChild } from './child';

export interface Compaction {
  /** pid of the task that ran compaction: migration happens in its context */
  readonly pid: number;
}

/**
 * Dirties `mib` MiB of anonymous memory in this process, so that compaction
 * finds mapped movable pages to migrate (and remove_migration_pte fires),
 * then has a child shell compact every zone. /proc/sys/vm/compact_memory is
 * a trigger, not a setting: there is nothing to restore.
 */
export async function compactMemory(mib = 64, timeoutMs = 20_000): Promise<Compaction> {
  const dirty = Buffer.alloc(mib << 20);
  for (let at = 0; at < dirty.length; at += 4096) dirty[at] = 1;
  const run = await runChild(['/bin/sh', '-c', 'echo 1 > /proc/sys/vm/compact_memory'], timeoutMs);
  if (run.code !== 0) throw new Error(`compact_memory failed: exit ${run.code ?? run.signal}`);
  dirty[0] = 2; // keeps the pages mapped until compaction is over
  return { pid: run.pid };
}
