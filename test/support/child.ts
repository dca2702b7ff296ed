/** Short-lived child processes whose pid a test knows, each with a bounded life. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  /** resolves when the child has exited and been reaped */
  readonly exited: Promise<Exit>;
}

/**
 * Starts `argv` with no stdio. The child is SIGKILLed after `lifetimeMs`
 * whatever happens, so a test that fails half way leaves nothing running.
 */
export async function startChild(argv: readonly string[], lifetimeMs = 30_000): Promise<Child> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('startChild: empty argv');
  const proc = spawn(cmd, args, { stdio: 'ignore' });
  const exited = new Promise<Exit>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const killer = setTimeout(() => proc.kill('SIGKILL'), lifetimeMs);
  killer.unref();
  void exited.then(() => clearTimeout(killer));
  await new Promise<void>((resolve, reject) => {
    proc.once('spawn', resolve);
    proc.once('error', reject);
  });
  if (proc.pid === undefined) throw new Error(`${cmd} did not start`);
  return { pid: proc.pid, process: proc, exited };
}

/** Waits for `child` to exit; SIGKILLs it and throws if it takes over `timeoutMs`. */
export async function waitExit(child: Child, timeoutMs: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const outcome = await Promise.race([child.exited, late]);
  clearTimeout(timer);
  if (outcome !== 'late') return outcome;
  child.process.kill('SIGKILL');
  await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  throw new Error(`child ${child.pid} (${child.process.spawnfile}) did not exit within ${timeoutMs} ms`);
}

/** Kills `child` if it still runs and waits for it to be reaped (bounded). */
export async function stopChild(child: Child, timeoutMs = 5_000): Promise<Exit> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  return waitExit(child, timeoutMs);
}

/** Runs `argv` to completion within `timeoutMs`; returns its pid and exit. */
export async function runChild(argv: readonly string[], timeoutMs = 10_000): Promise<{ pid: number } & Exit> {
  const child = await startChild(argv, timeoutMs + 1_000);
  const exit = await waitExit(child, timeoutMs);
  return { pid: child.pid, ...exit };
}
