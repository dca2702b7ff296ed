/**
 * Turns kernel cgroup ids into paths. A cgroup's id is its kernfs node id,
 * which on 64-bit kernels is the inode number of its directory, so a walk of
 * a mounted hierarchy that stats each directory finds every id. The cache is
 * kept right by the cgroup events themselves (mkdir, rename, release) and
 * rescans a hierarchy, at most once a second, when asked for an id it has not
 * seen, so a cgroup created while kernwatch was not looking is still found.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CgroupHierarchy {
  /** 0 for cgroup v2, else the v1 hierarchy id from /proc/cgroups */
  readonly id: number;
  /** "unified" for v2, else the controllers joined with "," */
  readonly name: string;
  readonly mountPoint: string;
}

const RESCAN_INTERVAL_MS = 1000;
const MAX_WALK_ENTRIES = 200_000;

export class CgroupPaths {
  private readonly byHierarchy = new Map<number, CgroupHierarchy>();
  private readonly paths = new Map<number, Map<bigint, string>>();
  private readonly lastScan = new Map<number, number>();

  constructor(
    hierarchies: readonly CgroupHierarchy[],
    private readonly now: () => number = Date.now,
  ) {
    for (const h of hierarchies) {
      this.byHierarchy.set(h.id, h);
      this.paths.set(h.id, new Map());
    }
  }

  /** Reads the hierarchies mounted on this host. */
  static forHost(): CgroupPaths {
    return new CgroupPaths(discoverHierarchies());
  }

  hierarchies(): readonly CgroupHierarchy[] {
    return [...this.byHierarchy.values()];
  }

  hierarchyName(id: number): string {
    return this.byHierarchy.get(id)?.name ?? `hierarchy-${id}`;
  }

  /** The directory of a hierarchy-relative cgroup path, if mounted here. */
  directoryOf(hierarchy: number, cgroupPath: string): string | undefined {
    const h = this.byHierarchy.get(hierarchy);
    return h ? path.join(h.mountPoint, cgroupPath) : undefined;
  }

  /** The cgroup's path relative to its hierarchy ("/" for the root), if known. */
  pathOf(hierarchy: number, id: bigint): string | undefined {
    const known = this.paths.get(hierarchy);
    if (!known) return undefined;
    const hit = known.get(id);
    if (hit !== undefined) {
      if (hierarchy === 0 || this.stillAt(hierarchy, id, hit)) return hit;
      // a v1 cgroup renamed or removed with no event to tell us: look for it
      // once more; if it is nowhere it was removed, and its last path is right
      known.delete(id);
      this.scan(hierarchy);
      return known.get(id) ?? hit;
    }
    const last = this.lastScan.get(hierarchy) ?? -Infinity;
    if (this.now() - last < RESCAN_INTERVAL_MS) return undefined;
    this.scan(hierarchy);
    return known.get(id);
  }

  /**
   * Whether cgroup `id` is still at `cgroupPath`. Only v1 cgroups can be
   * renamed, and v1 lookups (an OOM victim's memcg) are rare, so only they pay
   * for this stat; v2 lookups happen for every event and are never stale.
   */
  private stillAt(hierarchy: number, id: bigint, cgroupPath: string): boolean {
    const dir = this.directoryOf(hierarchy, cgroupPath);
    try {
      return dir !== undefined && fs.statSync(dir, { bigint: true }).ino === id;
    } catch {
      return false;
    }
  }

  /** Every cgroup of a hierarchy, freshly scanned: [id, path] pairs. */
  tree(hierarchy: number): Array<[bigint, string]> {
    this.scan(hierarchy);
    return [...(this.paths.get(hierarchy) ?? new Map<bigint, string>())];
  }

  learn(hierarchy: number, id: bigint, cgroupPath: string): void {
    this.paths.get(hierarchy)?.set(id, cgroupPath);
  }

  forget(hierarchy: number, id: bigint): void {
    this.paths.get(hierarchy)?.delete(id);
  }

  /** Walks the hierarchy's mount and records every cgroup directory. */
  scan(hierarchy: number): void {
    const h = this.byHierarchy.get(hierarchy);
    const known = this.paths.get(hierarchy);
    if (!h || !known) return;
    this.lastScan.set(hierarchy, this.now());
    const pending: string[] = ['/'];
    let visited = 0;
    while (pending.length > 0 && visited < MAX_WALK_ENTRIES) {
      const rel = pending.pop() as string;
      const dir = path.join(h.mountPoint, rel);
      let entries: fs.Dirent[];
      try {
        known.set(fs.statSync(dir, { bigint: true }).ino, rel);
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // removed while we walked: the release event will tell
      }
      visited++;
      for (const e of entries) {
        if (e.isDirectory()) pending.push(rel === '/' ? `/${e.name}` : `${rel}/${e.name}`);
      }
    }
  }
}

/** cgroup and cgroup2 mounts from /proc/self/mountinfo, with hierarchy ids. */
export function discoverHierarchies(mountinfo = readOr('/proc/self/mountinfo'), procCgroups = readOr('/proc/cgroups')): CgroupHierarchy[] {
  const idOfController = new Map<string, number>();
  for (const line of procCgroups.split('\n')) {
    const [name, id] = line.split('\t');
    if (name && id && !name.startsWith('#')) idOfController.set(name, Number(id));
  }
  const found = new Map<number, CgroupHierarchy>();
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mountpoint opts... - fstype source superopts
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const [fstype, , superOptions = ''] = right.split(' ');
    const mountPoint = unescapeMountPath(left.split(' ')[4] ?? '');
    // "/.." (and deeper) is the whole hierarchy seen from inside a cgroup
    // namespace (a pod): tracepoints report hierarchy paths, so it serves.
    // Any other root is a bind mount of one sub-cgroup: paths would be off.
    const root = left.split(' ')[3] ?? '';
    if (root !== '/' && !/^(\/\.\.)+$/.test(root)) continue;
    if (fstype === 'cgroup2') {
      if (!found.has(0)) found.set(0, { id: 0, name: 'unified', mountPoint });
    } else if (fstype === 'cgroup') {
      const controllers = superOptions.split(',').filter((o) => idOfController.has(o));
      const id = controllers.length > 0 ? idOfController.get(controllers[0] as string) : undefined;
      if (id !== undefined && !found.has(id)) found.set(id, { id, name: controllers.join(','), mountPoint });
    }
  }
  return [...found.values()];
}

/** The file's text, or '' when it cannot be read. */
export function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
