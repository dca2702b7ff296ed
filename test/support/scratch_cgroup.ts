/**
 * Scratch cgroups a test creates for itself, only where the team's rules
 * allow: a directory under the v2 mount, or under this process's own cgroup
 * in a v1 hierarchy. Removal kills whatever still runs inside, thaws, and
 * retries rmdir for a bounded time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discoverHierarchies } from '../../src/events/cgroup_paths';
import { retryUntil } from './bounded';

export const CGROUP_ROOT = '/sys/fs/cgroup';
/**
 * Where cgroup v2 is mounted: /sys/fs/cgroup on a host with only v2 (every
 * current systemd distribution), /sys/fs/cgroup/unified on a hybrid one.
 */
export const V2_MOUNT = discoverHierarchies().find((h) => h.id === 0)?.mountPoint ?? `${CGROUP_ROOT}/unified`;

let serial = 0;

/** A name no other test run on this host uses at the same time. */
export function uniqueName(prefix = 'kw-test'): string {
  serial += 1;
  return `${prefix}-${process.pid}-${serial}-${Math.random().toString(36).slice(2, 6)}`;
}

/** This process's cgroup in the v1 hierarchy of `controller`, from /proc/self/cgroup. */
export function ownV1Path(controller: string, procSelfCgroup = fs.readFileSync('/proc/self/cgroup', 'utf8')): string | undefined {
  for (const line of procSelfCgroup.split('\n')) {
    const [, controllers, cgPath] = line.split(':');
    if (controllers !== undefined && cgPath !== undefined && controllers.split(',').includes(controller)) return cgPath;
  }
  return undefined;
}

/** This process's cgroup v2 path, from the "0::" line of /proc/self/cgroup. */
export function ownV2Path(procSelfCgroup = fs.readFileSync('/proc/self/cgroup', 'utf8')): string | undefined {
  const line = procSelfCgroup.split('\n').find((l) => l.startsWith('0::'));
  return line?.slice(3);
}

/** Why scratch cgroups of this kind cannot be made here, or false if they can. */
export function v1Unavailable(controller: string): string | false {
  if (!fs.existsSync(`${CGROUP_ROOT}/${controller}/cgroup.procs`)) return `needs a cgroup v1 ${controller} hierarchy`;
  if (ownV1Path(controller) === undefined) return `this process is in no v1 ${controller} cgroup`;
  return false;
}

export function v2Unavailable(): string | false {
  return fs.existsSync(`${V2_MOUNT}/cgroup.procs`) ? false : 'needs cgroup v2 mounted';
}

/** Why v2 cgroups with `controller` cannot be made here (it is on v1, or not enabled at the root), or false. */
export function v2ControllerUnavailable(controller: string): string | false {
  const noV2 = v2Unavailable();
  if (noV2) return noV2;
  const enabled = fs.readFileSync(`${V2_MOUNT}/cgroup.subtree_control`, 'utf8').split(/\s+/);
  return enabled.includes(controller) ? false : `needs the ${controller} controller enabled on cgroup v2 (here it is on v1 or off)`;
}

/**
 * Why no scratch memory cgroup can be made here, or false: one needs the v1
 * memory hierarchy (hybrid hosts, 6.1) or the memory controller on v2 (v2-only
 * hosts; 6.12 and later Debian kernels have no v1 memory controller at all).
 */
export function memoryUnavailable(): string | false {
  const v1 = v1Unavailable('memory');
  const v2 = v2ControllerUnavailable('memory');
  return v1 && v2 ? `${v1}, or ${v2}` : false;
}

export class ScratchCgroup {
  private removed = false;

  private constructor(
    /** the hierarchy's mount point */
    readonly mount: string,
    /** path relative to the hierarchy root, as kernel events report it */
    private cgPath: string,
  ) {}

  get path(): string {
    return this.cgPath;
  }

  /** A new cgroup directly under the v2 mount. */
  static v2(name = uniqueName()): ScratchCgroup {
    return ScratchCgroup.make(V2_MOUNT, `/${name}`);
  }

  /** A new cgroup under this process's own cgroup in the v1 `controller` hierarchy. */
  static v1(controller: string, name = uniqueName()): ScratchCgroup {
    const own = ownV1Path(controller);
    if (own === undefined) throw new Error(`not in a v1 ${controller} cgroup`);
    return ScratchCgroup.make(`${CGROUP_ROOT}/${controller}`, path.posix.join(own, name));
  }

  /** A new memory cgroup: in the v1 memory hierarchy where there is one, else on v2. */
  static memory(name = uniqueName()): ScratchCgroup {
    return v1Unavailable('memory') ? ScratchCgroup.v2(name) : ScratchCgroup.v1('memory', name);
  }

  private static make(mount: string, cgPath: string): ScratchCgroup {
    const cg = new ScratchCgroup(mount, cgPath);
    fs.mkdirSync(cg.dir);
    return cg;
  }

  get dir(): string {
    return path.join(this.mount, this.path);
  }

  /** Renames the cgroup within its parent (cgroup v1 only); returns the new path. */
  rename(name: string): string {
    const renamed = path.posix.join(path.posix.dirname(this.cgPath), name);
    fs.renameSync(this.dir, path.join(this.mount, renamed));
    this.cgPath = renamed;
    return renamed;
  }

  /** The cgroup's id as kernel events report it: its directory's inode. */
  id(): bigint {
    return fs.statSync(this.dir, { bigint: true }).ino;
  }

  /** The level events report: depth below the hierarchy root. */
  get level(): number {
    return this.path.split('/').filter(Boolean).length;
  }

  write(file: string, value: string | number): void {
    fs.writeFileSync(path.join(this.dir, file), String(value));
  }

  read(file: string): string {
    return fs.readFileSync(path.join(this.dir, file), 'utf8');
  }

  pids(): number[] {
    return this.read('cgroup.procs').split('\n').filter(Boolean).map(Number);
  }

  /** Moves process `pid` into this cgroup. */
  add(pid: number): void {
    this.write('cgroup.procs', pid);
  }

  /**
   * Removes the cgroup and any child cgroups left in it: thaws them, kills
   * their processes, and retries rmdir for up to `timeoutMs`. Safe to call twice.
   */
  async remove(timeoutMs = 5_000): Promise<void> {
    if (this.removed) return;
    if (!fs.existsSync(this.dir)) {
      this.removed = true;
      return;
    }
    for (const dir of subtreeDeepestFirst(this.dir)) {
      if (fs.existsSync(path.join(dir, 'cgroup.freeze'))) fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '0');
      await retryUntil(`rmdir ${dir}`, timeoutMs, () => {
        killAll(dir);
        fs.rmdirSync(dir);
        return true;
      });
    }
    this.removed = true;
  }
}

function subtreeDeepestFirst(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...subtreeDeepestFirst(path.join(dir, e.name)));
  }
  out.push(dir);
  return out;
}

function killAll(dir: string): void {
  for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
    if (Number(pid) === process.pid) throw new Error(`the test process itself is in ${dir}`);
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
