/** Making the kernel migrate pages: compact all memory, with some recently dirtied. */
import * as fs from 'node:fs/promises';

/**
 * Dirties `mib` MiB of anonymous memory in this process, so that compaction
 * finds mapped movable pages to migrate (and remove_migration_pte fires),
 * then compacts every zone. /proc/sys/vm/compact_memory is a trigger, not a
 * setting: there is nothing to restore. Resolves once compaction is done.
 */
export async function compactMemory(mib = 64): Promise<void> {
  const dirty = Buffer.alloc(mib << 20);
  for (let at = 0; at < dirty.length; at += 4096) dirty[at] = 1;
  await fs.writeFile('/proc/sys/vm/compact_memory', '1');
  dirty[0] = 2; // keeps the pages mapped until compaction is over
}
