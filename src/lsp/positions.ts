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

  /** A character past its line's end means the line's end (before a CRLF's \r too), as LSP says. */
  offset(p: Position): number {
    if (p.line >= this.starts.length) return this.text.length;
    const start = this.starts[p.line] as number;
    let end = p.line + 1 < this.starts.length ? (this.starts[p.line + 1] as number) - 1 : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return Math.min(start + p.character, end);
  }

  range(r: SourceRange): Range {
    return { start: this.position(r.start.offset), end: this.position(r.end.offset) };
  }
}
