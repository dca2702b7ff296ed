/**
 * Rule-file offsets to LSP positions and back. The checker counts offsets in
 * UTF-16 code units (JavaScript strings), as LSP's default position encoding
 * does, so a line table over the text converts exactly, multi-byte names
 * included. Lines end at \n, \r\n or a lone \r, as LSP says.
 */
import type { Position, Range } from 'vscode-languageserver';
import type { SourceRange } from '../dsl';

export class LineTable {
  /** where each line starts, and where its text ends (before its line end) */
  private readonly starts: number[] = [0];
  private readonly ends: number[] = [];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.ends.push(i);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      this.starts.push(i + 1);
    }
    this.ends.push(text.length);
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

  /** A position past its line's end means the line's end; past the last line, the end of the text. */
  offset(p: Position): number {
    if (p.line >= this.starts.length) return this.text.length;
    const line = Math.max(0, p.line);
    const start = this.starts[line] as number;
    return Math.min(start + Math.max(0, p.character), this.ends[line] as number);
  }

  range(r: SourceRange): Range {
    return { start: this.position(r.start.offset), end: this.position(r.end.offset) };
  }
}
