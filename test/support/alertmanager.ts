/** A real Alertmanager (Debian's prometheus-alertmanager) on loopback, alone or in a cluster, with its own storage. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { retryUntil } from './bounded';

export { freePort } from './ports';

const BINARY = '/usr/bin/prometheus-alertmanager';

export interface AmAlertOut {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

export interface AlertmanagerOptions {
  /** alertmanager.yml; default: one receiver that sends nowhere */
  readonly config?: string;
  /** gossip on this port (clustering); none: clustering off */
  readonly clusterPort?: number;
  /** the other members' gossip ports */
  readonly peers?: readonly number[];
}

export class Alertmanager {
  private child: ChildProcess | undefined;
  private log = '';

  constructor(
    readonly dir: string,
    readonly port: number,
    private readonly options: AlertmanagerOptions = {},
  ) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'alertmanager.yml'),
      options.config ?? 'route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n',
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const { clusterPort, peers = [] } = this.options;
    const cluster =
      clusterPort === undefined
        ? ['--cluster.listen-address=']
        : [
            `--cluster.listen-address=127.0.0.1:${clusterPort}`,
            ...peers.map((p) => `--cluster.peer=127.0.0.1:${p}`),
            // loopback: no need for the defaults made for networks (a 15 s wait per position)
            '--cluster.peer-timeout=3s',
            '--cluster.gossip-interval=100ms',
            '--cluster.pushpull-interval=1s',
            '--cluster.settle-timeout=2s',
          ];
    this.child = spawn(
      BINARY,
      [
        `--config.file=${path.join(this.dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        ...cluster,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child.stderr?.on('data', (c: Buffer) => (this.log += c.toString()));
    await retryUntil(
      `alertmanager ready (${this.log.slice(-300)})`,
      15_000,
      async () => {
        const r = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
        return r?.ok ? true : undefined;
      },
      100,
    );
  }

  close(): Promise<void> {
    return this.stop();
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async alerts(): Promise<AmAlertOut[]> {
    const r = await fetch(`${this.url}/api/v2/alerts`, { signal: AbortSignal.timeout(2000) });
    return (await r.json()) as AmAlertOut[];
  }

  /** The members this one knows, itself included. */
  async peers(): Promise<number> {
    const r = await fetch(`${this.url}/api/v2/status`, { signal: AbortSignal.timeout(2000) });
    const status = (await r.json()) as { cluster?: { peers?: unknown[] } };
    return status.cluster?.peers?.length ?? 0;
  }
}
