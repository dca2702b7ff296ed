/**
 * `kernwatch rules fmt`: one canonical layout. Whitespace, indentation and
 * parentheses are normalised; clause order, literals as written (`64MiB`),
 * blank lines between groups (at most one) and every comment are kept.
 * A comment stays on its own line or at the end of its line; one inside a
 * clause or condition, where no line of its own exists any more, moves to
 * its own line above it.
 * Idempotent: fmt(fmt(x)) == fmt(x), and parse(fmt(x)) has the AST of x.
 */
import type * as A from './ast';
import type { Diagnostic } from './diagnostic';
import { parseRuleFile } from './parse';
import { printExpr, printList, printLiteral, printSelector, printString } from './print_expr';
import type { SourceRange } from './source_range';

const WIDTH = 100;
const INDENT = '  ';

export interface FormatResult {
  /** undefined when the file does not parse: fmt never guesses */
  readonly output?: string;
  readonly diagnostics: readonly Diagnostic[];
}

export function formatRuleSource(file: string, text: string): FormatResult {
  const parsed = parseRuleFile(file, text);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: parsed.diagnostics };
  const comments = [...parsed.ast.comments];
  const rows = parsed.ast.items.map((item) =>
    row(item.range, comments, (inner) => (item.kind === 'let' ? printLet(item, inner) : item.form === 'block' ? printBlock(item, inner) : printOneLiner(item))),
  );
  const lines = layout(rows, comments, '', Infinity);
  return { output: lines.length ? `${lines.join('\n')}\n` : '', diagnostics: parsed.diagnostics };
}

interface Row {
  readonly range: SourceRange;
  readonly lines: readonly string[];
}

/**
 * Prints the node at `range`. `print` gets the comments inside the range and
 * removes those it places; the rest go on their own lines above the node.
 */
function row(range: SourceRange, comments: A.Comment[], print: (inner: A.Comment[]) => string[]): Row {
  const inner = comments.filter((c) => c.range.start.offset > range.start.offset && c.range.start.offset < range.end.offset);
  for (const c of inner) comments.splice(comments.indexOf(c), 1);
  const lines = print(inner);
  return { range, lines: [...inner.map((c) => c.text), ...lines] };
}

/**
 * Interleaves rows and comments in source order, each line prefixed with
 * `indent`. A comment on the line where the previous row (or `opener`) ends
 * stays there as a trailing comment; one blank line survives wherever the
 * source had any.
 */
function layout(
  rows: readonly Row[],
  comments: readonly A.Comment[],
  indent: string,
  endOffset: number,
  opener?: { line: number; offset: number; text: string[] },
): string[] {
  const out: string[] = opener ? [...opener.text] : [];
  let lastLine = opener ? opener.line : -1;
  let lastEnd = opener ? opener.offset : -1;
  let ci = 0;
  const comment = (c: A.Comment): void => {
    if (c.range.start.line === lastLine && c.range.start.offset >= lastEnd && out.length > 0) {
      out[out.length - 1] += `  ${c.text}`;
      return;
    }
    if (lastLine >= 0 && c.range.start.line > lastLine + 1 && out.length) out.push('');
    out.push(indent + c.text);
    lastLine = c.range.end.line;
    lastEnd = c.range.end.offset;
  };
  for (const r of rows) {
    while (ci < comments.length && comments[ci]!.range.start.offset < r.range.start.offset) comment(comments[ci++]!);
    if (lastLine >= 0 && r.range.start.line > lastLine + 1 && out.length) out.push('');
    for (const l of r.lines) out.push(l === '' ? '' : indent + l);
    lastLine = r.range.end.line;
    lastEnd = r.range.end.offset;
  }
  while (ci < comments.length && comments[ci]!.range.start.offset < endOffset) comment(comments[ci++]!);
  return out;
}

/**
 * `head {` / indented rows / `}`: rule blocks, except blocks, long lists.
 * A comment on the opening line stays there.
 */
function bracketed(head: string, close: string, range: SourceRange, rows: readonly Row[], comments: A.Comment[]): string[] {
  const placed = comments.splice(0, comments.length);
  const body = layout(rows, placed, INDENT, range.end.offset, { line: range.start.line, offset: range.start.offset, text: [head] });
  return [...body, close];
}

function printLet(item: A.LetDecl, comments: A.Comment[]): string[] {
  const head = `let ${item.name.text} = `;
  const value = item.value;
  if (value.kind !== 'list') return [head + printExpr(value)];
  const flat = head + printList(value);
  if (flat.length <= WIDTH && comments.length === 0) return [flat];
  const rows = value.items.map((l) => row(l.range, comments, () => [`${printLiteral(l)},`]));
  return bracketed(`${head}[`, ']', value.range, rows, comments);
}

/** On one line when it fits, else one clause per line. */
function printOneLiner(rule: A.RuleDecl): string[] {
  const clauses = rule.clauses.map((c) => printClause(c, '', []));
  const flat = clauses.map((c) => c.join(' ')).join(' ');
  if (clauses.every((c) => c.length === 1) && flat.length <= WIDTH) return [flat];
  return clauses.flatMap((c, i) => (i === 0 ? c : c.map((l) => INDENT + l)));
}

function printBlock(rule: A.RuleDecl, comments: A.Comment[]): string[] {
  const rows = rule.clauses.map((c) => row(c.range, comments, (inner) => printClause(c, INDENT, inner)));
  return bracketed(`rule ${printString(rule.name?.value ?? '')} {`, '}', rule.range, rows, comments);
}

/** One clause, as lines; `indent` is where the clause will sit (for the width). */
function printClause(c: A.Clause, indent: string, comments: A.Comment[]): string[] {
  switch (c.kind) {
    case 'when':
      return printWhen(c.trigger, indent);
    case 'except': {
      if (!c.block) return [`except ${printExpr(c.conditions[0]!)}`];
      const rows = c.conditions.map((e) => row(e.range, comments, () => [printExpr(e)]));
      return bracketed('except {', '}', c.range, rows, comments);
    }
    case 'for':
      return [`for ${c.duration.text}`];
    case 'keep':
      return [`keep firing for ${c.duration.text}`];
    case 'severity':
      return [`severity ${c.level.text}`];
    case 'summary':
      return [`summary ${printString(c.template.value)}`];
    case 'description':
      return [`description ${printString(c.template.value)}`];
    case 'runbook':
      return [`runbook ${printString(c.url.value)}`];
    case 'labels':
      return [`labels { ${c.pairs.map((p) => `${p.key.text} = ${printString(p.value.value)}`).join(', ')} }`];
    case 'cooldown':
      return [`cooldown ${c.duration.text}`];
    case 'then':
      return [
        `then ${c.actions.map((a) => (a.args.length ? `${a.notifier.text}(${a.args.map((s) => printString(s.value)).join(', ')})` : a.notifier.text)).join(', ')}`,
      ];
  }
}

function printWhen(t: A.Trigger, indent: string): string[] {
  const by = (names: readonly A.Name[]): string => (names.length ? ` by ${names.map((n) => n.text).join(', ')}` : '');
  let line: string;
  if (t.kind === 'event') line = `when ${printSelector(t.selector)}${by(t.by)}`;
  else if (t.kind === 'window') {
    const within = t.within ? ` within ${t.within.text}` : '';
    line = `when ${t.fn.text}(${printSelector(t.selector)}) ${t.op} ${printLiteral(t.threshold)}${within}${by(t.by)}`;
  } else {
    const followed = t.negated ? 'not followed by' : 'followed by';
    line = `when ${printSelector(t.first)} ${followed} ${printSelector(t.second)} within ${t.within.text}${by(t.by)}`;
  }
  // a long event condition breaks before each top-level `and`
  const filter = t.kind === 'event' ? t.selector.filter : undefined;
  if (indent.length + line.length <= WIDTH || t.kind !== 'event' || !filter) return [line];
  const items = filter.kind === 'and' ? filter.items : [filter];
  const lines = [`when ${t.selector.event.text}`, ...items.map((e) => `${INDENT}${INDENT}and ${printExpr(e, e.kind === 'or' ? 1 : 0)}`)];
  if (t.by.length > 0) lines.push(`${INDENT}${INDENT}${by(t.by).trim()}`);
  return lines;
}
