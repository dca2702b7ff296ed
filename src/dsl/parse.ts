/**
 * Text -> AST for one file, with every lexing and parsing mistake as a
 * located diagnostic. Hostile input (binary bytes, an empty file, nesting
 * thousands deep) gets one clear diagnostic, never a crash or a hang.
 */
import type { IRecognitionException, IToken } from 'chevrotain';
import type { Comment, RuleFile } from './ast';
import { AstBuilder, tokenRange } from './build_ast';
import type { Diagnostic } from './diagnostic';
import { found } from './parse_messages';
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
    const operator = FOREIGN_OPERATORS[text.slice(e.offset, e.offset + 2)] ?? FOREIGN_OPERATORS[ch];
    if (ch === '"') error(range, 'unterminated string (strings end with " on the same line)');
    else if (operator) error(range, operator);
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
  const comments = lexed.groups.comments ?? [];
  for (const e of ruleParser.errors) {
    const unclosed = unclosedBlock(e, lexed.tokens);
    if (unclosed) error(Number.isNaN(e.token.startOffset) ? errorRange(e, text) : tokenRange(e.token), unclosed);
    else error(errorRange(e, text), e.message + commentHint(e, comments));
  }

  const builder = new AstBuilder(file);
  const items = builder.build(cst, ruleParser.errors.length > 0);
  diagnostics.push(...builder.diagnostics);
  const kept: Comment[] = comments.map((t) => ({ text: t.image.replace(/\s+$/, ''), range: tokenRange(t) }));
  return { ast: { file, items, comments: kept }, diagnostics: cap(file, oncePerLine(diagnostics)) };
}

const FOREIGN_OPERATORS: Readonly<Record<string, string>> = {
  '&&': "'&&' is written 'and'",
  '||': "'||' is written 'or'",
  '!': "'!' is written 'not' ('!=' compares)",
  '/': 'globs and paths are strings: "/prod/*"',
  "'": 'strings are in double quotes ("...")',
};

/**
 * Error recovery resumes at the next token it can use, and the tokens it
 * skipped produce follow-on errors that only repeat the first: keep the
 * first error of each line.
 */
function oncePerLine(diagnostics: Diagnostic[]): Diagnostic[] {
  const lines = new Set<number>();
  return diagnostics
    .sort((a, b) => a.range.start.offset - b.range.start.offset)
    .filter((d) => {
      if (lines.has(d.range.start.line)) return false;
      lines.add(d.range.start.line);
      return true;
    });
}

/** A missing `}` is noticed at the next rule; say which block it belongs to. */
function unclosedBlock(e: IRecognitionException, tokens: readonly IToken[]): string | undefined {
  const stack = e.context.ruleStack;
  if (stack[stack.length - 1] !== 'ruleBlock' || !e.message.startsWith("expected '}'")) return undefined;
  const at = Number.isNaN(e.token.startOffset) ? Infinity : e.token.startOffset;
  let open: IToken | undefined;
  for (const t of tokens) {
    if (t.startOffset >= at) break;
    if (t.tokenType.name === 'Rule') open = t;
  }
  return open ? `expected '}' to close the rule block opened at line ${open.startLine ?? '?'}, but found ${found(e.token)}` : undefined;
}

/** `then slack(#oncall)`: the `#` started a comment, which is why the parser saw nothing. */
function commentHint(e: IRecognitionException, comments: readonly IToken[]): string {
  const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  if (!prev || Number.isNaN(prev.startOffset) || e.token.startLine === prev.endLine) return '';
  const c = comments.find((t) => t.startLine === prev.endLine && t.startOffset > prev.startOffset);
  return c ? ` ('#' starts a comment: quote it, "${c.image.replace(/\s+$/, '').replace(/[)"].*$/, '')}")` : '';
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
  const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  const sameLine = !prev || Number.isNaN(prev.startOffset) || t.startLine === prev.endLine;
  if (!Number.isNaN(t.startOffset) && t.tokenType.name !== 'EOF' && sameLine) return tokenRange(t);
  // what is missing is missing at the end of the previous line, or of the file
  if (prev && !Number.isNaN(prev.startOffset)) {
    const end = tokenRange(prev).end;
    return { start: end, end: { ...end, column: end.column + 1, offset: end.offset + 1 } };
  }
  return pointAt(text, text.length);
}

function positionAt(text: string, offset: number): Position {
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
