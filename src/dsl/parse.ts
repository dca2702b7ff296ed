/**
 * Text -> AST for one file, with every lexing and parsing mistake as a
 * located diagnostic. Hostile input (binary bytes, an empty file, nesting
 * thousands deep) gets one clear diagnostic, never a crash or a hang.
 */
import type { IRecognitionException, IToken } from 'chevrotain';
import type { Comment, RuleFile } from './ast';
import { AstBuilder, tokenRange } from './build_ast';
import type { Diagnostic } from './diagnostic';
import { ruleParser } from './parser';
import type { Position, SourceRange } from './source_range';
import { ruleLexer } from './tokens';

/** Deeper than any rule a person writes; far below what would exhaust the stack. */
export const MAX_NESTING = 64;
/** After this many errors a file is probably not a rule file at all. */
const MAX_ERRORS_PER_FILE = 20;

export interface ParseResult {
  readonly ast: RuleFile;
  readonly diagnostics: readonly Diagnostic[];
}

export function parseRuleFile(file: string, text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const error = (range: SourceRange, message: string): void => {
    diagnostics.push({ file, range, severity: 'error', message });
  };
  const empty = (): ParseResult => ({ ast: { file, items: [], comments: [] }, diagnostics: cap(file, diagnostics) });

  const nul = text.indexOf('\0');
  if (nul >= 0) {
    error(pointAt(text, nul), 'this is not a text file (NUL byte); rule files are UTF-8 text');
    return empty();
  }

  const lexed = ruleLexer.tokenize(text);
  for (const e of lexed.errors.slice(0, MAX_ERRORS_PER_FILE + 1)) {
    const start = { line: e.line ?? 1, column: e.column ?? 1, offset: e.offset };
    const range = { start, end: { ...start, column: start.column + e.length, offset: e.offset + e.length } };
    const ch = text[e.offset] ?? '';
    if (ch === '"') error(range, 'unterminated string (strings end with " on the same line)');
    else error(range, `unexpected character ${describeChar(ch)}`);
  }
  if (lexed.errors.length >= MAX_ERRORS_PER_FILE) return empty();

  const tooDeep = findExcessiveNesting(lexed.tokens);
  if (tooDeep) {
    error(tokenRange(tooDeep), `nesting deeper than ${MAX_NESTING} levels; split the condition with 'let'`);
    return empty();
  }

  ruleParser.input = lexed.tokens;
  const cst = ruleParser.file();
  for (const e of ruleParser.errors) error(errorRange(e, text), e.message);

  const builder = new AstBuilder(file);
  const items = builder.build(cst, ruleParser.errors.length > 0);
  diagnostics.push(...builder.diagnostics);
  const comments: Comment[] = (lexed.groups.comments ?? []).map((t) => ({ text: t.image.replace(/\s+$/, ''), range: tokenRange(t) }));
  return { ast: { file, items, comments }, diagnostics: cap(file, diagnostics) };
}

/** Brackets of any kind and runs of `not` both recurse in the parser. */
function findExcessiveNesting(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  let nots = 0;
  for (const t of tokens) {
    const name = t.tokenType.name;
    if (name === 'LParen' || name === 'LBracket' || name === 'LBrace') depth++;
    else if (name === 'RParen' || name === 'RBracket' || name === 'RBrace') depth = Math.max(0, depth - 1);
    nots = name === 'Not' ? nots + 1 : 0;
    if (depth + nots > MAX_NESTING) return t;
  }
  return undefined;
}

function errorRange(e: IRecognitionException, text: string): SourceRange {
  const t = e.token;
  if (!Number.isNaN(t.startOffset) && t.tokenType.name !== 'EOF') return tokenRange(t);
  // "expected X but found end of file": point just after the last real token
  const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  if (prev && !Number.isNaN(prev.startOffset)) {
    const end = tokenRange(prev).end;
    return { start: end, end: { ...end, column: end.column + 1, offset: end.offset + 1 } };
  }
  return pointAt(text, text.length);
}

export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1, offset };
}

function pointAt(text: string, offset: number, length = 1): SourceRange {
  const start = positionAt(text, offset);
  return { start, end: { ...start, column: start.column + length, offset: offset + length } };
}

function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (ch === '\uFFFD') return '(invalid UTF-8)';
  if (code < 0x20 || code === 0x7f) return `(control byte 0x${code.toString(16).padStart(2, '0')})`;
  return `'${ch}'`;
}

function cap(file: string, diagnostics: Diagnostic[]): Diagnostic[] {
  if (diagnostics.length <= MAX_ERRORS_PER_FILE) return diagnostics;
  const kept = diagnostics.slice(0, MAX_ERRORS_PER_FILE);
  const last = kept[kept.length - 1]!;
  kept.push({ file, range: last.range, severity: 'error', message: `too many errors; stopped reading ${file}` });
  return kept;
}
