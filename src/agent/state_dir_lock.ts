/**
 * One agent per state directory, taken before anything in it is read and
 * held for the agent's life: two agents would deliver each other's outboxes
 * twice and overwrite each other's alerts.json.
 *
 * The lock is a Unix socket, `<state_dir>/LOCK`, the agent listens on.
 * Binding it is an atomic create-if-absent, and whether its holder lives is
 * asked of the kernel: a connection succeeds while the listener exists and
 * is refused once its process is gone, SIGKILL included. Node has no
 * flock(2); this gives the same release on death, and unlike a pid it is
 * not fooled by a reused pid or another container's pid namespace.
 * `LOCK.pid` names the holder for people and for the refusal line, and is
 * never trusted to say whether it lives.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { readTextFile } from '../config/text_file';
import { StateDirError, unwritableReason } from '../notifiers/dispatcher';

const LOCK = 'LOCK';
const HOLDER = 'LOCK.pid';
/** an agent binds, then listens: a socket refused once may be that instant, not a dead agent */
const RECHECK_MS = 100;
/** a listener whose backlog is full answers late, or not at all: it is alive */
const CONNECT_MS = 2_000;
const ATTEMPTS = 5;

export class StateDirLock {
  private constructor(
    readonly dir: string,
    /** why the directory refuses writes (read-only, full): the agent then keeps notifications in memory */
    readonly unwritable: string | undefined,
    private held: { readonly server: net.Server; readonly dirFd: number } | undefined,
    /** the first directory of the path that take() made, if it made one */
    private readonly made?: string,
  ) {}

  /**
   * Makes the directory if needed and takes its lock. Throws StateDirError,
   * having written nothing there, when another live agent holds it.
   */
  static async take(dir: string): Promise<StateDirLock> {
    let made: string | undefined;
    try {
      made = makeDir(dir);
    } catch (e) {
      const reason = unwritableReason(e);
      if (reason) return new StateDirLock(dir, reason, undefined);
      throw new StateDirError(`cannot use ${dir}: ${errorCode(e)} (set state_dir in the config)`);
    }
    const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    let server: net.Server;
    try {
      const bound = await acquire(dir, dirFd);
      if ('unwritable' in bound) {
        fs.closeSync(dirFd);
        return new StateDirLock(dir, bound.unwritable, undefined);
      }
      server = bound.server;
    } catch (e) {
      fs.closeSync(dirFd);
      throw e;
    }
    // held from here on; a disk too full for a few bytes is said, and the agent runs from memory
    return new StateDirLock(dir, writeHolder(dir), { server, dirFd }, made);
  }

  /**
   * Lets the next agent in. After a start that failed (no privileges for
   * BPF), the directories take() made go too if nothing else was written
   * in them: a failed start leaves nothing behind. Returns why `LOCK.pid`
   * could not be removed (a disk gone read-only), or undefined.
   */
  release(startFailed = false): string | undefined {
    const held = this.held;
    if (!held) return undefined;
    this.held = undefined;
    let problem: string | undefined;
    try {
      fs.rmSync(path.join(this.dir, HOLDER), { force: true });
    } catch (e) {
      problem = unwritableReason(e) ?? String((e as Error).message);
    }
    // libuv unlinks the socket by the name it was bound with, through dirFd: close that after it
    held.server.close();
    fs.closeSync(held.dirFd);
    if (startFailed && this.made !== undefined) removeEmptyUpTo(this.dir, this.made);
    return problem;
  }
}

type Bound = { readonly server: net.Server } | { readonly unwritable: string };

async function acquire(dir: string, dirFd: number): Promise<Bound> {
  const file = path.join(dir, LOCK);
  // sun_path holds 107 bytes (longer names are cut short, silently): the directory's descriptor is always short
  const address = `/proc/self/fd/${dirFd}/${LOCK}`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const bound = await listen(address);
    if (bound instanceof net.Server) return { server: bound };
    if (bound.code !== 'EADDRINUSE') {
      const reason = unwritableReason(bound);
      if (reason) return { unwritable: reason };
      throw new StateDirError(`cannot use ${dir}: cannot take the lock ${file}: ${errorCode(bound)}`);
    }
    const found = await lockHolder(file, address);
    if (found === 'alive') throw new StateDirError(`${dir} is in use by another kernwatch${holderPid(dir)}`);
    if (found !== 'gone') takeOver(file, found);
  }
  throw new StateDirError(`${dir}: cannot take the lock ${file}: other agents keep taking it`);
}

type Found = 'alive' | 'gone' | { readonly ino: number; readonly socket: boolean };

/** Who is at `file`: a live agent, nothing, or a dead agent's socket (or something that is no socket) by its inode. */
async function lockHolder(file: string, address: string): Promise<Found> {
  for (let look = 0; ; look++) {
    const stat = lstat(file);
    if (!stat) return 'gone';
    if (!stat.isSocket()) return { ino: stat.ino, socket: false };
    const answer = await connect(address);
    if (answer === 'ENOENT') return 'gone';
    if (answer !== 'ECONNREFUSED') return 'alive';
    if (look > 0) return lstat(file)?.ino === stat.ino ? { ino: stat.ino, socket: true } : 'gone';
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS));
  }
}

/**
 * Moves the dead lock out of the way. There is no "unlink if still this
 * inode": it is renamed to a name of ours first and checked, so an agent
 * that took the lock since gets its socket's name back. What is no socket
 * (a FIFO, a file) is kept as `LOCK.corrupt`.
 */
function takeOver(file: string, dead: { readonly ino: number; readonly socket: boolean }): void {
  const mine = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, mine);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StateDirError(`${path.dirname(file)}: cannot take over the lock ${file}: ${errorCode(e)}`);
  }
  if (lstat(mine)?.ino !== dead.ino) {
    try {
      fs.linkSync(mine, file);
    } catch {
      // a third agent bound the name meanwhile: nothing to give back to
    }
    fs.rmSync(mine, { force: true });
    return;
  }
  if (dead.socket) fs.rmSync(mine, { force: true });
  else fs.renameSync(mine, `${file}.corrupt`);
}

function listen(address: string): Promise<net.Server | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    // a probe only needs its connection to succeed
    const server = net.createServer((c) => c.destroy());
    server.once('error', resolve);
    server.listen(address, () => {
      server.off('error', resolve);
      server.on('error', () => undefined);
      // the lock must not keep the process alive
      server.unref();
      resolve(server);
    });
  });
}

/** 'connected', 'timeout', or the errno (ECONNREFUSED: no one listens, the holder is dead). */
function connect(address: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: address });
    const done = (answer: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done('timeout'), CONNECT_MS);
    socket.once('connect', () => done('connected'));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
  });
}

/** Writes `LOCK.pid` (removing what is there first: a FIFO opened for writing would block); returns why it failed, if it did. */
function writeHolder(dir: string): string | undefined {
  const file = path.join(dir, HOLDER);
  try {
    fs.rmSync(file, { force: true, recursive: true });
    fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
    return undefined;
  } catch (e) {
    const reason = unwritableReason(e);
    if (reason) return reason;
    throw new StateDirError(`cannot use ${dir}: cannot write ${file}: ${errorCode(e)}`);
  }
}

/** ` (pid N)` from `LOCK.pid`, or nothing when it cannot be read. */
function holderPid(dir: string): string {
  try {
    const pid = Number.parseInt(readTextFile(path.join(dir, HOLDER), 64, 'lock holder'), 10);
    return Number.isInteger(pid) ? ` (pid ${pid})` : '';
  } catch {
    return '';
  }
}

function lstat(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}

/**
 * mkdir -p, with the true error: a recursive mkdir on a read-only file
 * system reports ENOENT; making the first missing directory by itself
 * reports EROFS. Returns the first directory it made.
 */
function makeDir(dir: string): string | undefined {
  try {
    return fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    let missing = dir;
    while (!fs.existsSync(path.dirname(missing)) && path.dirname(missing) !== missing) missing = path.dirname(missing);
    // throws the true error; if it works after all (a race), the whole path is made again
    fs.mkdirSync(missing, { mode: 0o700 });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return missing;
  }
}

/** rmdir from `dir` up to `top`, stopping at the first that is not empty. */
function removeEmptyUpTo(dir: string, top: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return;
    }
    if (d === top || path.dirname(d) === d) return;
  }
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String((e as Error).message ?? e);
}
