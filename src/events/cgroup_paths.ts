/**
 * Turns kernel cgroup ids into paths. A cgroup's id is its kernfs node id,
 * which on 64-bit kernels is the inode number of its directory, so a walk of
 * a mounted hierarchy that stats each directory finds every id.
 *
 * Looking a path up never blocks: it is the cache or nothing. The cache is
 * read from the mount at a session's start, before its first record, and
 * then kept by the cgroup records themselves (mkdir and rename teach a path,
 * rmdir and release end it), which every session has sent, so a
 * path depends on records rather than on when a walk ran. An id it does not
 * know (a cgroup made while the programs were loading, a record lost) is
 * found by a walk of the hierarchy in the background, one directory per
 * step, at most once a second and less often while walks find nothing new;
 * until then the lookup says undefined. Only the hierarchies records are
 * looked up in are kept: v2, and v1 memory for an OOM victim's memcg.
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

/** The records that keep the cache: the kernel plan has them sent whatever the rules. */
export const PATH_CACHE_EVENTS = ['cgroup.mkdir', 'cgroup.rename', 'cgroup.rmdir', 'cgroup.release'] as const;

/** A walk waits this long after the last one began; twice as long after each that learned nothing, up to the maximum. */
const WALK_INTERVAL_MS = 1000;
const MAX_WALK_INTERVAL_MS = 60_000;
const MAX_WALK_ENTRIES = 200_000;
/**
 * Removed cgroups (rmdir) whose release has not come yet, kept at most per
 * hierarchy: a memory cgroup is released only once its last page is, hours
 * later on some hosts. Past this the oldest is forgotten at once: no task
 * is left in a removed cgroup to name it.
 */
const MAX_REMOVED = 65_536;

/** What is known of one hierarchy. */
interface Known {
  readonly paths: Map<bigint, string>;
  /** removed and not released yet, oldest first */
  readonly removed: Set<bigint>;
  /** a lookup missed since the last walk began */
  missed: boolean;
  /** walked at once (scan()) at least once */
  scanned: boolean;
  /** forgotten while a walk of the hierarchy runs: it must not learn them back from what it read before */
  forgottenInWalk: Set<bigint> | undefined;
}

export interface CgroupWalkStats {
  /** background walks run */
  readonly walks: number;
  /** ids they found that no record had taught */
  readonly learned: number;
  /** how long after the last walk began the next may start, in ms */
  readonly intervalMs: number;
}

export class CgroupPaths {
  private readonly byHierarchy = new Map<number, CgroupHierarchy>();
  private readonly known = new Map<number, Known>();
  /** a walk scheduled or running, and its timer while scheduled */
  private walk: Promise<void> | undefined;
  private walkTimer: NodeJS.Timeout | undefined;
  private lastWalkAt = -Infinity;
  private walkIntervalMs = WALK_INTERVAL_MS;
  /** the walk asked for is refresh()'s alone: finding nothing new is no reason to wait longer */
  private refreshOnly = false;
  private readonly walks = { walks: 0, learned: 0 };

  constructor(
    hierarchies: readonly CgroupHierarchy[],
    private readonly now: () => number = Date.now,
  ) {
    for (const h of hierarchies) {
      this.byHierarchy.set(h.id, h);
      if (h.id === 0 || h.name.split(',').includes('memory')) {
        this.known.set(h.id, { paths: new Map(), removed: new Set(), missed: false, scanned: false, forgottenInWalk: undefined });
      }
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

  /** Whether paths of `hierarchy` are kept: it is mounted here, and v2 or v1 memory. */
  keeps(hierarchy: number): boolean {
    return this.known.has(hierarchy);
  }

  /**
   * The cgroup's path relative to its hierarchy ("/" for the root), if
   * known. Never blocks: an id not known is looked for in the background.
   */
  pathOf(hierarchy: number, id: bigint): string | undefined {
    const k = this.known.get(hierarchy);
    if (!k) return undefined;
    const hit = k.paths.get(id);
    if (hit !== undefined || id === 0n) return hit;
    k.missed = true;
    this.refreshOnly = false;
    this.scheduleWalk();
    return undefined;
  }

  /**
   * Every cgroup of a hierarchy, freshly scanned: [id, path] pairs. Blocks
   * for the whole walk (a fifth of a second for 20,000 cgroups): for
   * compiling rules, never for records.
   */
  tree(hierarchy: number): Array<[bigint, string]> {
    this.scan(hierarchy);
    return [...(this.known.get(hierarchy)?.paths ?? new Map<bigint, string>())];
  }

  /**
   * Every cgroup of a hierarchy, [id, path] pairs, without blocking: what
   * records taught, and a walk in steps off the event loop for what they did
   * not. For compiling rules while records flow (a reload).
   */
  async treeInSteps(hierarchy: number): Promise<Array<[bigint, string]>> {
    const k = this.known.get(hierarchy);
    if (!k) return [];
    await this.settled(); // one walk at a time over a hierarchy's cache
    k.forgottenInWalk = new Set();
    try {
      await this.walkInSteps(hierarchy, k);
    } finally {
      k.forgottenInWalk = undefined;
    }
    return [...k.paths];
  }

  /** A mkdir or rename record: the cgroup is at `cgroupPath` now. */
  learn(hierarchy: number, id: bigint, cgroupPath: string): void {
    this.known.get(hierarchy)?.paths.set(id, cgroupPath);
  }

  /** A release record: no record can name the cgroup any more. */
  forget(hierarchy: number, id: bigint): void {
    const k = this.known.get(hierarchy);
    if (!k) return;
    k.paths.delete(id);
    k.removed.delete(id);
    k.forgottenInWalk?.add(id);
  }

  /** An rmdir record: the cgroup is forgotten on its release, or once MAX_REMOVED newer ones wait for theirs. */
  removed(hierarchy: number, id: bigint): void {
    const k = this.known.get(hierarchy);
    if (!k?.paths.has(id)) return;
    k.removed.add(id);
    if (k.removed.size > MAX_REMOVED) this.forget(hierarchy, k.removed.values().next().value as bigint);
  }

  /**
   * The path a record gave is not the cgroup's: it was cut short at `cut`.
   * Every segment of it before its last '/' is whole, so the cgroup is
   * looked for below that ancestor, among the directories whose names go on
   * as the cut one began: a few listings at most (MAX_CUT_LISTINGS), not a
   * walk, and done at once, so that the records after this one (its tasks')
   * are named. Paths this long are rare; should it miss (renamed meanwhile),
   * the background walk looks.
   */
  relearn(hierarchy: number, id: bigint, cut?: string): void {
    const k = this.known.get(hierarchy);
    if (!k) return;
    k.paths.delete(id);
    const mountPoint = this.byHierarchy.get(hierarchy)?.mountPoint;
    const found = cut === undefined || mountPoint === undefined ? undefined : findCut(mountPoint, cut, id);
    if (found === undefined) this.walkForMissed(k);
    else k.paths.set(id, found);
  }

  private walkForMissed(k: Known): void {
    k.missed = true;
    this.refreshOnly = false;
    this.scheduleWalk();
  }

  /**
   * Walks at once each kept hierarchy not walked yet: for a session's start,
   * before its first record, so that the cgroups already there are named
   * from the first record on.
   */
  fillOnce(): void {
    for (const [hierarchy, k] of this.known) if (!k.scanned) this.scan(hierarchy);
  }

  /** Walks every kept hierarchy in the background, learning the cgroups no record taught (those made before the records began). */
  refresh(): void {
    if (![...this.known.values()].some((k) => k.missed)) this.refreshOnly = true;
    for (const k of this.known.values()) k.missed = true;
    this.scheduleWalk();
  }

  /** Resolves once no walk is running or waiting to run. */
  async settled(): Promise<void> {
    while (this.walk) {
      this.walkTimer?.ref();
      await this.walk;
    }
  }

  walkStats(): CgroupWalkStats {
    return { ...this.walks, intervalMs: this.walkIntervalMs };
  }

  /** One walk at a time, at most once per interval; one that is running looks again for what was missed meanwhile. */
  private scheduleWalk(): void {
    if (this.walk) return;
    const delay = Math.max(0, this.lastWalkAt + this.walkIntervalMs - this.now());
    this.walk = new Promise<void>((resolve) => {
      this.walkTimer = setTimeout(() => {
        this.walkTimer = undefined;
        void this.walkMissed().then(() => {
          this.walk = undefined;
          resolve();
          if ([...this.known.values()].some((k) => k.missed)) this.scheduleWalk();
        });
      }, delay);
      this.walkTimer.unref();
    });
  }

  private async walkMissed(): Promise<void> {
    const refreshOnly = this.refreshOnly;
    this.refreshOnly = false;
    this.lastWalkAt = this.now();
    this.walks.walks++;
    let learned = 0;
    for (const [hierarchy, k] of this.known) {
      if (!k.missed) continue;
      k.missed = false;
      k.forgottenInWalk = new Set();
      learned += await this.walkInSteps(hierarchy, k);
      k.forgottenInWalk = undefined;
    }
    this.walks.learned += learned;
    if (learned > 0) this.walkIntervalMs = WALK_INTERVAL_MS;
    else if (!refreshOnly) this.walkIntervalMs = Math.min(MAX_WALK_INTERVAL_MS, this.walkIntervalMs * 2);
  }

  /**
   * The hierarchy's cgroups not known yet, one directory a step: its stat
   * and listing are read off the event loop, and taking them in costs
   * microseconds. A path a record taught wins over what the walk read.
   */
  private async walkInSteps(hierarchy: number, k: Known): Promise<number> {
    const mountPoint = this.byHierarchy.get(hierarchy)?.mountPoint;
    const pending = mountPoint === undefined ? [] : ['/'];
    let visited = 0;
    let learned = 0;
    while (pending.length > 0 && visited < MAX_WALK_ENTRIES) {
      const rel = pending.pop() as string;
      const dir = path.join(mountPoint as string, rel);
      let read: [fs.BigIntStats, fs.Dirent[]];
      try {
        read = await Promise.all([fs.promises.stat(dir, { bigint: true }), fs.promises.readdir(dir, { withFileTypes: true })]);
      } catch {
        continue; // removed while we walked
      }
      visited++;
      const [{ ino }, entries] = read;
      if (!k.paths.has(ino) && !k.forgottenInWalk?.has(ino)) {
        k.paths.set(ino, rel);
        learned++;
      }
      for (const e of entries) if (e.isDirectory()) pending.push(rel === '/' ? `/${e.name}` : `${rel}/${e.name}`);
    }
    return learned;
  }

  /** Walks the hierarchy's mount at once and records every cgroup directory (tree(), fillOnce()). */
  private scan(hierarchy: number): void {
    const h = this.byHierarchy.get(hierarchy);
    const k = this.known.get(hierarchy);
    if (!h || !k) return;
    k.scanned = true;
    const known = k.paths;
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

/** How many directories findCut() lists at most: a cut path names its way down, so one or two. */
const MAX_CUT_LISTINGS = 64;

/**
 * The path, relative to `mountPoint`, of cgroup `id` whose path begins with
 * `cut`, looked for breadth first from the cut's last whole ancestor: first
 * among the names that go on as the cut's last segment began, then below
 * them (the cut may have ended in a parent's name). Undefined if not found.
 */
function findCut(mountPoint: string, cut: string, id: bigint): string | undefined {
  const slash = cut.lastIndexOf('/');
  let level = [{ rel: cut.slice(0, slash), begins: cut.slice(slash + 1) }];
  let listings = 0;
  while (level.length > 0) {
    const below: typeof level = [];
    for (const { rel, begins } of level) {
      if (listings++ >= MAX_CUT_LISTINGS) return undefined;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(path.join(mountPoint, rel), { withFileTypes: true });
      } catch {
        continue; // removed meanwhile
      }
      for (const e of entries) {
        if (!e.isDirectory() || !e.name.startsWith(begins)) continue;
        const child = `${rel}/${e.name}`;
        try {
          if (fs.statSync(path.join(mountPoint, child), { bigint: true }).ino === id) return child;
        } catch {
          continue;
        }
        below.push({ rel: child, begins: '' });
      }
    }
    level = below;
  }
  return undefined;
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
