/**
 * Errors a rule author can cause are values, not exceptions: collected for a
 * whole run and printed in one compiler-like format at the CLI edge.
 */
import type { SourceRange } from './source_range';

export type DiagnosticSeverity = 'error' | 'warning';

export interface Diagnostic {
  readonly file: string;
  readonly range: SourceRange;
  readonly severity: DiagnosticSeverity;
  readonly message: string;
}

/**
 * `file:line:col: error: message`, then the source line and a caret under
 * the span. Without the file's text only the first line is printed.
 */
export function formatDiagnostic(d: Diagnostic, text?: string): string {
  const { line, column } = d.range.start;
  const head = `${d.file}:${line}:${column}: ${d.severity}: ${d.message}`;
  if (text === undefined) return head;
  const source = lineAt(text, d.range.start.offset);
  if (source === undefined) return head;
  // tabs would put the caret under the wrong character in most terminals
  const shown = source.text.replace(/\t/g, ' ');
  const startCol = d.range.start.offset - source.start;
  const endOffset = d.range.end.line === line ? d.range.end.offset : source.start + source.text.length;
  const width = Math.max(1, Math.min(endOffset, source.start + source.text.length) - d.range.start.offset);
  const caret = `${' '.repeat(startCol)}^${'~'.repeat(width - 1)}`;
  return `${head}\n  ${truncate(shown)}\n  ${caret}`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return 0; // keep the order in which files were given
  return a.range.start.offset - b.range.start.offset;
}

function lineAt(text: string, offset: number): { text: string; start: number } | undefined {
  if (offset > text.length) return undefined;
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  return { text: text.slice(start, end).replace(/\r$/, ''), start };
}

// a 1 MB single-line file must not be echoed in full
function truncate(line: string): string {
  return line.length > 400 ? `${line.slice(0, 400)}...` : line;
}
