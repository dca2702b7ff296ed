/**
 * `kernwatch tail --json` into a pipe read slowly, as a terminal or a
 * struggling log shipper would: whatever is in the pipe is taken every
 * `everyMs` and nothing in between, so the pipe fills and tail must choose
 * what to keep. At the end tail is interrupted and what it still writes is
 * read at full speed; the OOM victims among the lines written are counted
 * by pid, and tail's own summary (seen, delivered, lost, not written) kept.
 */
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { spawnGroup, stopGroup, type Group } from './groups';
import { NODE_FLAGS, ROOT } from './side_by_side';

export interface TailResult {
  /** pids of the oom.victim lines it wrote */
  readonly victims: ReadonlySet<number>;
  readonly lines: number;
  /** bytes a second taken while reading slowly */
  readonly slowBytesPerSecond: number;
  /** its summary lines on stderr */
  readonly summary: string;
}

export class SlowTail {
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  private lines = 0;
  private readonly victims = new Set<number>();
  private slowBytes = 0;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly group: Group,
    private readonly out: Readable,
    everyMs: number,
  ) {
    this.timer = setInterval(() => {
      const chunk = out.read() as Buffer | null;
      if (chunk) {
        this.slowBytes += chunk.length;
        this.take(chunk);
      }
    }, everyMs);
  }

  /** Starts tail on `events`; resolves once it says it is watching. */
  static async start(events: readonly string[], everyMs: number): Promise<SlowTail> {
    const group = await spawnGroup(
      [process.execPath, ...NODE_FLAGS, path.join(ROOT, 'bin', 'kernwatch'), 'tail', '--json', ...events],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
      false,
    );
    const out = group.child.stdout;
    if (!out) throw new Error('tail has no stdout');
    const deadline = Date.now() + 30_000;
    while (!/watching \d+ events/.test(group.err())) {
      if (group.child.exitCode !== null || Date.now() > deadline) {
        await stopGroup(group);
        throw new Error(`kernwatch tail did not start: ${group.err()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return new SlowTail(group, out, everyMs);
  }

  /** Interrupts tail, reads the rest of its output at full speed (bounded), and counts. */
  async stop(timeoutMs = 60_000): Promise<TailResult> {
    clearInterval(this.timer);
    const slowSeconds = (Date.now() - this.started) / 1000;
    const ended = new Promise<void>((resolve) => this.out.once('end', resolve));
    this.out.on('data', (d: Buffer) => this.take(d));
    this.group.child.kill('SIGINT');
    await Promise.race([Promise.all([ended, this.group.exited]), new Promise((r) => setTimeout(r, timeoutMs))]);
    await stopGroup(this.group);
    this.take(Buffer.from('\n'));
    return {
      victims: this.victims,
      lines: this.lines,
      slowBytesPerSecond: this.slowBytes / slowSeconds,
      summary: this.group
        .err()
        .split('\n')
        .filter((l) => /seen|lost|not written/.test(l))
        .join('\n'),
    };
  }

  private take(chunk: Buffer): void {
    const lines = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      this.lines += 1;
      if (!line.includes('"oom.victim"')) continue;
      try {
        const pid = (JSON.parse(line) as { pid?: unknown }).pid;
        if (typeof pid === 'number') this.victims.add(pid);
      } catch {
        // not a whole line
      }
    }
  }
}
