/** Runs bin/kernwatch as a child process and collects its output. */
import { spawn, type SpawnOptions } from 'node:child_process';
import * as path from 'node:path';

export const KERNWATCH = path.resolve(__dirname, '..', '..', '..', 'bin', 'kernwatch');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  /** resolves once stderr matches `pattern` (a start-up line), rejects if kernwatch exits first or `timeoutMs` passes */
  stderrMatches(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** sends kernwatch a signal (SIGINT ends a dry-run early, as Ctrl-C does) */
  kill(signal: NodeJS.Signals): void;
  readonly done: Promise<CliResult>;
}

type CliOptions = SpawnOptions & { prefix?: string[]; timeoutMs?: number };

/** `prefix` runs kernwatch through another command, e.g. setpriv. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/**
 * Starts kernwatch and lets the test wait for a line it prints once it is
 * attached: start-up takes 0.3 s on our machines and 10 s or more in an
 * emulated guest, so a fixed sleep would be wrong on one of them.
 */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const [cmd, ...rest] = [...(options.prefix ?? []), process.execPath, KERNWATCH, ...args];
  const child = spawn(cmd as string, rest, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  const stderrMatches = async (pattern: RegExp, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void done.then(() => (exited = true));
    while (!pattern.test(stderr)) {
      if (exited) throw new Error(`kernwatch exited before printing ${pattern}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`kernwatch printed no ${pattern} within ${timeoutMs} ms: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { stderrMatches, kill: (signal) => child.kill(signal), done };
}
