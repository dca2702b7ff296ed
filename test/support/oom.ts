/**
 * An OOM kill confined to a scratch memory cgroup: a child joins the cgroup,
 * then `dd` (the same process, after exec) allocates and fills a buffer far
 * over the cgroup's limit. Bounded: limit 32-64 MiB, 200 MiB at most, and the
 * host has gigabytes free, so only the cgroup can run out.
 */
import { startChild, waitExit, type Exit } from './child';
import { V2_MOUNT, type ScratchCgroup } from './scratch_cgroup';

const MAX_LIMIT_MIB = 64;
const MAX_ALLOC_MIB = 200;

export interface OomRun extends Exit {
  /** pid of the allocating process, the expected victim */
  readonly pid: number;
  /** its command name */
  readonly comm: string;
}

/** Sets a v1 (memory.limit_in_bytes) or v2 (memory.max) limit and runs the allocator in `cg` with `oomScoreAdj`. */
export async function oomKillIn(cg: ScratchCgroup, limitMib = 64, allocMib = 200, oomScoreAdj = 0, timeoutMs = 15_000): Promise<OomRun> {
  if (limitMib < 32 || limitMib > MAX_LIMIT_MIB) throw new Error(`memory limit ${limitMib} MiB is outside 32-${MAX_LIMIT_MIB}`);
  if (allocMib > MAX_ALLOC_MIB || allocMib <= limitMib) throw new Error(`allocation ${allocMib} MiB must exceed the limit and stay <= ${MAX_ALLOC_MIB}`);
  const v1 = cg.mount !== V2_MOUNT;
  cg.write(v1 ? 'memory.limit_in_bytes' : 'memory.max', `${limitMib}M`);
  // The shell puts itself in the cgroup, then becomes dd: the victim's pid is the child's.
  const script =
    `echo $$ > '${cg.dir}/cgroup.procs' && echo ${Math.trunc(oomScoreAdj)} > /proc/self/oom_score_adj && ` +
    `exec dd if=/dev/zero of=/dev/null bs=${allocMib}M count=1`;
  const child = await startChild(['/bin/sh', '-c', script], timeoutMs + 1_000);
  const exit = await waitExit(child, timeoutMs);
  return { pid: child.pid, comm: 'dd', ...exit };
}
