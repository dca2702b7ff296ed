/**
 * `kernwatch run` as an operator starts it: a directory with a config and
 * rule files, the agent as a child process whose JSON log lines a test can
 * wait for, and a bounded stop that never leaves it running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KERNWATCH } from '../support/run_cli';
import { retryUntil } from '../support/bounded';
import { waitExit, type Exit } from '../support/child';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Writes `files` (relative path -> text) under `dir`. */
export function writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

/** Every name under `dir` with its bytes and mtime: what a refused agent must leave as it was. */
export function dirContents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, name);
    const stat = fs.lstatSync(full);
    out[name] = `${stat.mtimeMs} ${stat.isFile() ? fs.readFileSync(full, 'hex') : stat.isSocket() ? 'socket' : 'dir'}`;
  }
  return out;
}

export class AgentProcess {
  readonly logs: LogLine[] = [];
  /** stderr lines that are not JSON: startup errors and diagnostics */
  readonly plain: string[] = [];
  stdout = '';
  readonly exited: Promise<Exit>;
  private partial = '';

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.onStderr(d.toString()));
    // whatever happens to the test, the agent does not outlive a minute
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    killer.unref();
    void this.exited.then(() => clearTimeout(killer));
  }

  /** Starts `kernwatch run --config <dir>/kernwatch.yaml` with `args` and `env` added to this process's environment. */
  static start(dir: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}, prefix: readonly string[] = []): AgentProcess {
    const argv = [...prefix, process.execPath, KERNWATCH, 'run', '--config', path.join(dir, 'kernwatch.yaml'), ...args];
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new AgentProcess(child);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the agent did not start');
    return this.child.pid;
  }

  /** The first log line (from `from` on) with message `msg` and, if given, for which `where` holds. */
  waitLog(msg: string, timeoutMs: number, where: (l: LogLine) => boolean = () => true, from = 0): Promise<LogLine> {
    return retryUntil(
      `log "${msg}"`,
      timeoutMs,
      () => {
        const found = this.logs.slice(from).find((l) => l.msg === msg && where(l));
        if (found) return found;
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          throw new Error(`the agent exited (${this.child.exitCode ?? this.child.signalCode}) before logging "${msg}":\n${this.stderrText()}`);
        }
        return undefined;
      },
      10,
    );
  }

  /** Resolves once the agent runs its rules; returns the startup line (hash, metrics address...). */
  running(timeoutMs = 60_000): Promise<LogLine> {
    return this.waitLog('kernwatch running', timeoutMs);
  }

  metricsUrl(started: LogLine): string {
    return `http://${String(started.metrics)}/metrics`;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** Waits for the exit; SIGKILLs and throws, with what the agent said, after `timeoutMs`. */
  async exit(timeoutMs: number): Promise<Exit> {
    try {
      return await waitExit({ pid: this.pid, process: this.child, exited: this.exited }, timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}:\n${this.stderrText()}`);
    }
  }

  /** For finally blocks: SIGKILL if still running, and wait (bounded) for it to be gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }

  stderrText(): string {
    return [...this.plain, ...this.logs.map((l) => JSON.stringify(l))].join('\n');
  }

  private onStderr(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{')) {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
          continue;
        } catch {
          // not a log line after all
        }
      }
      this.plain.push(line);
    }
  }
}

/** The value of the sample `name{labels}` on a /metrics page, or undefined. */
export function sample(page: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of page.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}
