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
  const startCol = d.range.start.offset - source.start;
  const endOffset = d.range.end.line === line ? d.range.end.offset : source.start + source.text.length;
  const width = Math.max(1, Math.min(endOffset, source.start + source.text.length) - d.range.start.offset);
  // a 1 MB single-line file must not be echoed in full: show a window around the caret
  const from = startCol > WINDOW ? startCol - WINDOW / 2 : 0;
  const shown = (from > 0 ? '...' : '') + printable(source.text.slice(from, from + WINDOW * 2));
  const pad = startCol - from + (from > 0 ? 3 : 0);
  const caret = `${' '.repeat(pad)}^${'~'.repeat(Math.min(width, WINDOW) - 1)}`;
  return `${head}\n  ${shown}\n  ${caret}`;
}

const WINDOW = 120;

/** Tabs would misplace the caret and control bytes garble the terminal: one column each, as '?' or ' '. */
function printable(line: string): string {
  // control characters are what this finds, on purpose
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, (c) => (c === '\t' ? ' ' : '?'));
}

function lineAt(text: string, offset: number): { text: string; start: number } | undefined {
  if (offset > text.length) return undefined;
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  return { text: text.slice(start, end).replace(/\r$/, ''), start };
}
