/**
 * Line output that respects back-pressure: lines are joined per batch and
 * written in one call, and a closed pipe (`kernwatch tail | head`) ends the
 * output quietly instead of crashing.
 */
import type { Writable } from 'node:stream';

export class OutputWriter {
  private closed = false;
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly stream: Writable) {
    stream.on('error', () => {
      this.closed = true;
    });
  }

  write(line: string): void {
    if (this.closed) return;
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    if (this.closed || this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.stream.write(text);
  }

  async flush(): Promise<void> {
    this.drain();
    if (this.closed) return;
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
  }
}
