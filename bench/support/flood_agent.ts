/**
 * `kernwatch run` for bench/flood.ts, as an operator runs it: a config with
 * a webhook notifier and /metrics on loopback, the state directory in a
 * temporary directory, the agent a process group of its own (inside a
 * memory cgroup when asked: the shell joins it, then becomes the agent), its
 * stdout and JSON log written to files so that reading them never holds it
 * back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../../test/support/ports';
import { spawnGroup, stopGroup, type Group } from './groups';
import { get } from './probes';
import { NODE_FLAGS, ROOT } from './side_by_side';

export interface LogLine {
  readonly msg?: unknown;
  readonly [field: string]: unknown;
}

/** Writes the config to `dir`/kernwatch.yaml: `rulesDir`, a webhook `hook` to `url`, /metrics on `port`, state in `dir`/state. */
export function writeConfig(dir: string, rulesDir: string, url: string, port: number): string {
  const file = path.join(dir, 'kernwatch.yaml');
  fs.writeFileSync(
    file,
    [
      'host: flood',
      `state_dir: ${path.join(dir, 'state')}`,
      `rules: [${rulesDir}]`,
      `metrics: { listen: "127.0.0.1:${port}" }`,
      'notifiers:',
      `  hook: { type: webhook, url: "${url}", secret: "kernwatch-flood-bench-secret" }`,
      '',
    ].join('\n'),
  );
  return file;
}

export class FloodAgent {
  private constructor(
    readonly group: Group,
    readonly port: number,
    private readonly logFile: string,
  ) {}

  get pid(): number {
    return this.group.pid;
  }

  /** Exit code or signal once it has ended, else undefined. */
  get ended(): string | undefined {
    const c = this.group.child;
    return c.signalCode ?? (c.exitCode === null ? undefined : `exit ${c.exitCode}`);
  }

  /** Starts the agent on `dir`'s config (writing it), in memory cgroup `cgroupDir` if given; resolves once /-/ready answers. */
  static async start(dir: string, rulesDir: string, url: string, cgroupDir?: string, readyTimeoutMs = 180_000): Promise<FloodAgent> {
    const port = await freePort();
    const config = writeConfig(dir, rulesDir, url, port);
    const runs = fs.readdirSync(dir).filter((f) => f.startsWith('agent-')).length / 2;
    const logFile = path.join(dir, `agent-${runs}.log`);
    const argv = [process.execPath, ...NODE_FLAGS, path.join(ROOT, 'bin', 'kernwatch'), 'run', '--config', config];
    const inCgroup = cgroupDir ? ['/bin/sh', '-c', `echo $$ > '${cgroupDir}/cgroup.procs' && exec "$0" "$@"`] : [];
    const group = await spawnGroup([...inCgroup, ...argv], {
      cwd: dir,
      stdio: ['ignore', fs.openSync(path.join(dir, `agent-${runs}.out`), 'w'), fs.openSync(logFile, 'w')],
    });
    const agent = new FloodAgent(group, port, logFile);
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if ((await get(port, '/-/ready', 1_000)).status === 200) return agent;
      if (agent.ended !== undefined || Date.now() > deadline) {
        await stopGroup(group);
        throw new Error(`the agent did not get ready (${agent.ended ?? 'timed out'}):\n${fs.readFileSync(logFile, 'utf8').slice(-2_000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Its JSON log lines so far. */
  logs(): LogLine[] {
    const out: LogLine[] = [];
    for (const line of fs.readFileSync(this.logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogLine);
      } catch {
        // a line cut short by a kill
      }
    }
    return out;
  }

  /** SIGTERM (it flushes its outbox first), SIGKILL after `graceMs`. */
  stop(graceMs = 15_000): Promise<void> {
    return stopGroup(this.group, graceMs);
  }
}
