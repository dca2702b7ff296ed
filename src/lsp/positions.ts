/**
 * Rule-file offsets to LSP positions and back. The checker counts offsets in
 * UTF-16 code units (JavaScript strings), as LSP's default position encoding
 * does, so a line table over the text converts exactly, multi-byte names and
 * CRLF line ends included.
 */
import type { Position, Range } from 'vscode-languageserver';
import type { SourceRange } from '../dsl';

export class LineTable {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: at - (this.starts[lo] as number) };
  }

  offset(p: Position): number {
    const start = this.starts[Math.min(p.line, this.starts.length - 1)] ?? 0;
    const next = this.starts[p.line + 1] ?? this.text.length + 1;
    return p.line >= this.starts.length ? this.text.length : Math.min(start + p.character, next - 1, this.text.length);
  }

  range(r: SourceRange): Range {
    return { start: this.position(r.start.offset), end: this.position(r.end.offset) };
  }
}
