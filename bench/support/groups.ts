/**
 * Children of a long benchmark, each the leader of its own process group, so
 * that stopping one stops whatever it started (a shell's command, a fork
 * loop's children). Stopping is SIGTERM to the group, then SIGKILL after a
 * grace; a group whose leader still runs when this process exits or is
 * interrupted is SIGKILLed by the undo hook, so nothing outlives the
 * benchmark. A group is signalled only while its leader is unreaped: once
 * reaped, its pid may be another's.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { registerUndo, type Undo } from '../../test/support/undo';

export interface Group {
  readonly child: ChildProcess;
  readonly pid: number;
  /** resolves once the leader has exited and been reaped */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** text it wrote, when its stdout or stderr is a pipe kept */
  readonly out: () => string;
  readonly err: () => string;
}

const undos = new Map<number, Undo>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

/** Starts `argv` as the leader of a new process group; its stdout and stderr are kept when they are pipes, unless `keepStdout` is false. */
export async function spawnGroup(argv: readonly string[], options: SpawnOptions = {}, keepStdout = true): Promise<Group> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('spawnGroup: empty argv');
  const child = spawn(cmd, args, { stdio: 'ignore', ...options, detached: true });
  let out = '';
  let err = '';
  if (keepStdout) child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      undos.get(child.pid ?? 0)?.run();
      resolve({ code, signal });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${cmd} did not start`);
  undos.set(
    pid,
    registerUndo(() => {
      if (child.exitCode === null && child.signalCode === null) killGroup(pid, 'SIGKILL');
      undos.delete(pid);
    }),
  );
  return { child, pid, exited, out: () => out, err: () => err };
}

/** SIGTERM to the group (or `signal`), SIGKILL after `graceMs`; resolves once the leader is reaped (bounded). */
export async function stopGroup(g: Group, graceMs = 3_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const gone = (): boolean => g.child.exitCode !== null || g.child.signalCode !== null;
  if (gone()) return;
  killGroup(g.pid, signal);
  const exited = await Promise.race([g.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), graceMs))]);
  if (exited) return;
  undos.get(g.pid)?.run();
  await Promise.race([g.exited, new Promise((r) => setTimeout(r, 2_000))]);
}
