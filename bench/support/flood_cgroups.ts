/**
 * The scratch cgroups of bench/flood.ts, all under one of its own: on cgroup
 * v2, /kw-flood-PID below the v2 mount (what rules see as `cgroup`); for
 * memory limits, where the memory controller is on v1 (hybrid hosts), the
 * same name below this process's own v1 memory cgroup, else the v2 one with
 * its memory controller enabled. Each OOM kill gets a cgroup of its own,
 * limited to 32 MiB, where a child allocating 128 MiB is killed, confined to
 * it; the agent may get one limited to 512 MiB (the DaemonSet's limit).
 * Everything is removed at the end, or at exit or interruption by the undo
 * hook.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerUndo, type Undo } from '../../test/support/undo';
import { memoryUnavailable, ScratchCgroup, v1Unavailable } from '../../test/support/scratch_cgroup';
import { spawnGroup, stopGroup } from './groups';

export const OOM_LIMIT_MIB = 32;
export const OOM_ALLOC_MIB = 128;

export interface OomKill {
  /** the cgroup v2 path its rule matches */
  readonly cgroup: string;
  /** the victim's pid: the shell joins the cgroups, then becomes dd */
  readonly pid: number;
  /** wall-clock ms just before it started */
  readonly madeAt: number;
  /** resolves to true once it was killed by SIGKILL (the OOM killer), false if it ended otherwise */
  readonly killed: Promise<boolean>;
}

/** A memory cgroup with its limit and the files that say its peak and its OOM kills. */
export interface MemoryCgroup {
  readonly dir: string;
  /** bytes at most used so far, from memory.max_usage_in_bytes (v1) or memory.peak (v2) */
  peakBytes(): number | undefined;
  /** OOM kills inside it so far */
  oomKills(): number | undefined;
}

function readNumber(file: string, re: RegExp = /^(\d+)/): number | undefined {
  try {
    const m = re.exec(fs.readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Kills what runs below `dir` and removes it, deepest first; best effort, for the exit hook. */
function removeNow(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeNow(path.join(dir, e.name));
  for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
    try {
      if (Number(pid) !== process.pid) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone
    }
  }
  try {
    fs.rmdirSync(dir);
  } catch {
    // still dying; the normal path retries, this one is best effort
  }
}

export class FloodCgroups {
  private readonly undo: Undo;

  private constructor(
    readonly name: string,
    private readonly v2: ScratchCgroup,
    /** the top of the memory cgroups: v1's own, or the v2 one itself */
    private readonly memory: ScratchCgroup,
  ) {
    const dirs = [...new Set([v2.dir, memory.dir])];
    this.undo = registerUndo(() => dirs.forEach(removeNow));
  }

  /** Why they cannot be made here, or false. */
  static unavailable(): string | false {
    return memoryUnavailable();
  }

  static create(): FloodCgroups {
    const name = `kw-flood-${process.pid}`;
    const v2 = ScratchCgroup.v2(name);
    if (!v1Unavailable('memory')) return new FloodCgroups(name, v2, ScratchCgroup.v1('memory', name));
    v2.write('cgroup.subtree_control', '+memory');
    return new FloodCgroups(name, v2, v2);
  }

  /** The glob that matches the OOM kill of `oomCgroups(prefix, ...)[index]`, and only it. */
  glob(prefix: string, index: number): string {
    return `${this.v2.path}/${prefix}/${index}/**`;
  }

  /** A new cgroup `name` (which may have slashes) under `top`, the v2 one or the v1 memory one. */
  private child(top: ScratchCgroup, name: string): ScratchCgroup {
    return top === this.v2 ? ScratchCgroup.v2(`${this.name}/${name}`) : ScratchCgroup.v1('memory', `${this.name}/${name}`);
  }

  /** A memory cgroup `name` limited to `limitMiB`, under the flood's own. */
  memoryCgroup(name: string, limitMiB: number): MemoryCgroup {
    const cg = this.child(this.memory, name);
    const v1 = cg.mount !== this.v2.mount;
    cg.write(v1 ? 'memory.limit_in_bytes' : 'memory.max', `${limitMiB}M`);
    return {
      dir: cg.dir,
      peakBytes: () => readNumber(path.join(cg.dir, v1 ? 'memory.max_usage_in_bytes' : 'memory.peak')),
      oomKills: () => readNumber(path.join(cg.dir, v1 ? 'memory.oom_control' : 'memory.events'), /^oom_kill (\d+)/m),
    };
  }

  /**
   * Makes cgroups `prefix/0` .. `prefix/count-1` for OOM kills, now: made
   * during a flood, a memory cgroup's allocations would stall this process in
   * direct compaction and delay the receiver's clock. Each `start()` runs a
   * shell that joins its cgroups, then becomes dd, which allocates 128 MiB
   * against a 32 MiB limit; it resolves once the child runs, and `killed`
   * says how it ended (within 15 s, or it is stopped).
   */
  oomCgroups(prefix: string, count: number): (() => Promise<OomKill>)[] {
    for (const top of new Set([this.v2, this.memory])) {
      const made = this.child(top, prefix);
      if (top === this.memory && this.memory === this.v2) made.write('cgroup.subtree_control', '+memory');
    }
    return Array.from({ length: count }, (_, index) => {
      const cg = this.child(this.v2, `${prefix}/${index}`);
      const memcg = this.memory === this.v2 ? undefined : this.child(this.memory, `${prefix}/${index}`);
      const limited = memcg ?? cg;
      limited.write(memcg ? 'memory.limit_in_bytes' : 'memory.max', `${OOM_LIMIT_MIB}M`);
      const join = [...new Set([cg.dir, limited.dir])].map((d) => `echo $$ > '${d}/cgroup.procs'`).join(' && ');
      return async () => {
        const madeAt = Date.now();
        const g = await spawnGroup(['/bin/sh', '-c', `${join} && exec dd if=/dev/zero of=/dev/null bs=${OOM_ALLOC_MIB}M count=1`]);
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          void stopGroup(g, 0, 'SIGKILL');
        }, 15_000);
        const killed = g.exited.then((e) => {
          clearTimeout(timer);
          return e.signal === 'SIGKILL' && !timedOut;
        });
        return { cgroup: cg.path, pid: g.pid, madeAt, killed };
      };
    });
  }

  /** Removes every cgroup made (killing what still runs in them), bounded. */
  async remove(): Promise<void> {
    await this.v2.remove(10_000);
    if (this.memory !== this.v2) await this.memory.remove(10_000);
    this.undo.run();
  }
}
