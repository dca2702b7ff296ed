/**
 * Line output that respects back-pressure: lines are joined in chunks and
 * written one chunk at a time, waiting for the stream to drain when it says
 * so; a closed pipe (`kernwatch tail | head`) ends the output quietly. What
 * a slow reader cannot take is bounded: past MAX_PENDING_LINES waiting, new
 * lines of high-rate events are dropped and counted per event (`dropped`),
 * where they would otherwise grow the process until it fails (a
 * memory-pressure storm makes hundreds of thousands of events a second; a
 * terminal shows a few thousand). Lines of rare events (an OOM victim) are
 * never dropped for them: they wait behind the kept ones, and only their own
 * bound, which no real host reaches, could drop them.
 */
import type { Writable } from 'node:stream';

/** lines joined into one write */
const CHUNK_LINES = 5_000;
/** lines waiting at most, about 40 MiB of JSON events */
const MAX_PENDING_LINES = 100_000;
/** rare lines may wait beyond that bound, up to this many more */
const MAX_PENDING_RARE_LINES = 100_000;

/** What a line is about, for what may be dropped and how it is counted. */
export interface LineKind {
  /** the event's name, counted under it when dropped */
  readonly name: string;
  /** a rare event: never dropped for high-rate ones */
  readonly rare: boolean;
}

const UNNAMED: LineKind = { name: 'line', rare: false };

export class OutputWriter {
  private closed = false;
  private blocked = false;
  /** lines waiting are pending[head..]; the written ones before head are cut off in halves, not per chunk */
  private pending: string[] = [];
  private head = 0;
  private scheduled = false;
  /** lines dropped because the reader was too slow, per LineKind name */
  readonly droppedByKind = new Map<string, number>();
  /** lines dropped in all */
  dropped = 0;

  constructor(private readonly stream: Writable) {
    stream.on('error', () => {
      this.closed = true;
    });
  }

  write(line: string, kind: LineKind = UNNAMED): void {
    if (this.closed) return;
    const waiting = this.pending.length - this.head;
    if (waiting >= MAX_PENDING_LINES && (!kind.rare || waiting >= MAX_PENDING_LINES + MAX_PENDING_RARE_LINES)) {
      this.dropped++;
      this.droppedByKind.set(kind.name, (this.droppedByKind.get(kind.name) ?? 0) + 1);
      return;
    }
    this.pending.push(line);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.blocked) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    while (!this.closed && !this.blocked && this.head < this.pending.length) {
      const chunk = this.pending.slice(this.head, this.head + CHUNK_LINES);
      this.head += chunk.length;
      if (this.head * 2 >= this.pending.length) {
        this.pending = this.pending.slice(this.head);
        this.head = 0;
      }
      if (!this.stream.write(`${chunk.join('\n')}\n`)) {
        this.blocked = true;
        this.stream.once('drain', () => {
          this.blocked = false;
          this.schedule();
        });
      }
    }
  }

  /** Resolves once every line kept has been handed to the stream and written. */
  async flush(): Promise<void> {
    for (;;) {
      this.drain();
      if (this.closed) return;
      if (!this.blocked && this.head === this.pending.length) break;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          resolve();
        };
        this.stream.once('drain', done);
        this.stream.once('close', done);
      });
    }
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
  }
}
