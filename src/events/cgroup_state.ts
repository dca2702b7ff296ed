/**
 * The present state of a cgroup, read from the mounted hierarchies: whether
 * it still exists, whether it is frozen (v2 `cgroup.events`, else the v1
 * freezer's `freezer.state`). Undefined whenever the host cannot say.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readOr, type CgroupPaths } from './cgroup_paths';

export class CgroupState {
  constructor(private readonly paths: CgroupPaths) {}

  cgroupExists(cgroupPath: string): boolean | undefined {
    const dir = this.paths.directoryOf(0, cgroupPath);
    return dir === undefined ? undefined : fs.existsSync(dir);
  }

  cgroupFrozen(cgroupPath: string): boolean | undefined {
    const v2 = this.paths.directoryOf(0, cgroupPath);
    const events = v2 === undefined ? '' : readOr(path.join(v2, 'cgroup.events'));
    const frozen = /^frozen (\d)$/m.exec(events)?.[1];
    if (frozen !== undefined) return frozen === '1';
    for (const h of this.paths.hierarchies()) {
      if (!h.name.split(',').includes('freezer')) continue;
      const state = readOr(path.join(h.mountPoint, cgroupPath, 'freezer.state')).trim();
      if (state !== '') return state !== 'THAWED';
    }
    return undefined;
  }
}
