/** Runs bin/kernwatch as a child process and collects its output. */
import { spawn, type SpawnOptions } from 'node:child_process';
import * as path from 'node:path';

export const KERNWATCH = path.resolve(__dirname, '..', '..', '..', 'bin', 'kernwatch');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `prefix` runs kernwatch through another command, e.g. setpriv. */
export function runCli(args: readonly string[], options: SpawnOptions & { prefix?: string[]; timeoutMs?: number } = {}): Promise<CliResult> {
  const [cmd, ...rest] = [...(options.prefix ?? []), process.execPath, KERNWATCH, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, rest, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
