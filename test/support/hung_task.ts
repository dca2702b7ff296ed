/**
 * A task the hung-task detector reports, made on a filesystem of its own:
 * a loop-mounted ext4 image is frozen (fsfreeze), a child writing to it
 * blocks in D state, and kernel.hung_task_timeout_secs is set to 2 seconds.
 * Afterwards the sysctl is restored, the filesystem thawed and unmounted and
 * the image deleted, even when the test failed; at process exit if need be.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { retryUntil } from './bounded';
import { startChild, stopChild, type Child } from './child';
import { readSysctl, setSysctl } from './sysctl';
import { registerUndo } from './undo';

const TIMEOUT_SYSCTL = 'kernel.hung_task_timeout_secs';

const run = (cmd: string, ...args: string[]): void => {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
};

/** Why a hung task cannot be made here, or false if it can. */
export function hungTaskUnavailable(): string | false {
  if (!fs.existsSync(`/proc/sys/${TIMEOUT_SYSCTL.replace(/\./g, '/')}`)) return 'needs the hung-task detector';
  // with hung_task_panic set, the detector would panic the host instead of reporting
  if (readSysctl('kernel.hung_task_panic') !== '0') return 'kernel.hung_task_panic is set: a hung task would panic this host';
  for (const tool of ['mkfs.ext4', 'fsfreeze', 'mount', 'umount']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `needs ${tool}`;
    }
  }
  return false;
}

/**
 * Runs `whileHung(child)` while `child` (a shell writing into the frozen
 * filesystem, comm "sh") sits in D state with a 2-second hung-task timeout.
 */
export async function withHungTask<T>(whileHung: (child: Child) => Promise<T>): Promise<T> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-hang-'));
  const image = path.join(work, 'fs.img');
  const dir = path.join(work, 'mnt');
  let mounted = false;
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(image, '');
    fs.truncateSync(image, 64 << 20);
    run('mkfs.ext4', '-q', '-F', image);
    run('mount', '-o', 'loop', image, dir);
    mounted = true;
    const unmount = registerUndo(() => run('umount', dir));
    try {
      return await whileFrozen(dir, whileHung);
    } finally {
      await retryUntil(`umount ${dir}`, 5_000, () => {
        unmount.run();
        return true;
      });
      mounted = false;
    }
  } finally {
    // never delete through a mount that is still there: it would empty the filesystem
    if (!mounted) fs.rmSync(work, { recursive: true, force: true });
  }
}

async function whileFrozen<T>(dir: string, whileHung: (child: Child) => Promise<T>): Promise<T> {
  run('fsfreeze', '-f', dir);
  const thaw = registerUndo(() => run('fsfreeze', '-u', dir));
  let child: Child | undefined;
  try {
    const writer = await startChild(['/bin/sh', '-c', `echo hung > '${dir}/blocked'`], 30_000);
    child = writer;
    await retryUntil(`child ${writer.pid} blocking in D state`, 5_000, () => (taskState(writer.pid) === 'D' ? true : undefined));
    const timeout = setSysctl(TIMEOUT_SYSCTL, 2);
    try {
      return await whileHung(writer);
    } finally {
      timeout.run();
    }
  } finally {
    thaw.run();
    if (child) await stopChild(child);
  }
}

/** The one-letter state of a task from /proc/<pid>/stat ("R", "S", "D", ...). */
export function taskState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}
