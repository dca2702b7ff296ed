/**
 * `kernwatch rules fmt`: one canonical layout. Whitespace, indentation and
 * parentheses are normalised; clause order, literals as written (`64MiB`),
 * blank lines between groups (at most one) and every comment are kept.
 * A comment inside a clause moves to its own line above that clause.
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
  return { output: formatAst(parsed.ast), diagnostics: parsed.diagnostics };
}

function formatAst(ast: A.RuleFile): string {
  const comments = [...ast.comments];
  const rows: Row[] = ast.items.map((item) => {
    if (item.kind === 'rule' && item.form === 'block') {
      const inner = takeWithin(comments, item.range);
      return { range: item.range, lines: printBlock(item, inner), ownsComments: true };
    }
    return { range: item.range, lines: item.kind === 'let' ? printLet(item) : printOneLiner(item), ownsComments: false };
  });
  const lines = layout(rows, comments, '', Infinity);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

interface Row {
  readonly range: SourceRange;
  readonly lines: readonly string[];
  /** the row's printer already placed the comments inside its range */
  readonly ownsComments: boolean;
}

/** Removes and returns the comments inside `range`. */
function takeWithin(comments: A.Comment[], range: SourceRange): A.Comment[] {
  const inside = comments.filter((c) => c.range.start.offset > range.start.offset && c.range.start.offset < range.end.offset);
  for (const c of inside) comments.splice(comments.indexOf(c), 1);
  return inside;
}

/**
 * Interleaves rows and comments in source order. A comment on the line
 * where the previous row ends stays there as a trailing comment; one blank
 * line survives wherever the source had any.
 */
function layout(rows: readonly Row[], comments: readonly A.Comment[], indent: string, endOffset: number, header?: SourceRange): string[] {
  const out: string[] = [];
  let lastLine = header ? header.start.line : -1;
  let lastEnd = header ? header.start.offset : -1;
  let ci = 0;
  const emitComment = (c: A.Comment, trailingAllowed: boolean): void => {
    if (trailingAllowed && c.range.start.line === lastLine && c.range.start.offset >= lastEnd && (out.length > 0 || header)) {
      if (out.length === 0) out.push(`\u0000${c.text}`);
      else out[out.length - 1] += `  ${c.text}`;
    } else {
      if (lastLine >= 0 && c.range.start.line > lastLine + 1 && out.length) out.push('');
      out.push(indent + c.text);
      lastLine = c.range.end.line;
    }
  };
  for (const row of rows) {
    while (ci < comments.length && comments[ci]!.range.start.offset < row.range.start.offset) emitComment(comments[ci++]!, true);
    if (lastLine >= 0 && row.range.start.line > lastLine + 1 && out.length) out.push('');
    if (!row.ownsComments) {
      while (ci < comments.length && comments[ci]!.range.start.offset < row.range.end.offset) {
        out.push(indent + comments[ci++]!.text);
      }
    }
    for (const l of row.lines) out.push(l === '' ? '' : indent + l);
    lastLine = row.range.end.line;
    lastEnd = row.range.end.offset;
  }
  while (ci < comments.length && comments[ci]!.range.start.offset < endOffset) emitComment(comments[ci++]!, true);
  return out;
}

function printLet(item: A.LetDecl): string[] {
  const head = `let ${item.name.text} = `;
  if (item.value.kind !== 'list') return [head + printExpr(item.value)];
  const flat = head + printList(item.value);
  if (flat.length <= WIDTH) return [flat];
  const items = item.value.items.map((l, i, all) => `${INDENT}${printLiteral(l)}${i < all.length - 1 ? ',' : ''}`);
  return [`${head}[`, ...items, ']'];
}

/** On one line when it fits, else one clause per line. */
function printOneLiner(rule: A.RuleDecl): string[] {
  const clauses = rule.clauses.map((c) => printClause(c, ''));
  const flat = clauses.map((c) => c.join(' ')).join(' ');
  if (clauses.every((c) => c.length === 1) && flat.length <= WIDTH) return [flat];
  return clauses.flatMap((c, i) => (i === 0 ? c : c.map((l) => INDENT + l)));
}

function printBlock(rule: A.RuleDecl, comments: A.Comment[]): string[] {
  const rows: Row[] = rule.clauses.map((c) => {
    const inner = takeWithin(comments, c.range);
    return { range: c.range, lines: [...inner.map((x) => x.text), ...printClause(c, INDENT)], ownsComments: true };
  });
  const body = layout(rows, comments, INDENT, rule.range.end.offset, rule.range);
  let head = `rule ${printString(rule.name?.value ?? '')} {`;
  if (body[0]?.startsWith('\u0000')) head += `  ${body.shift()!.slice(1)}`;
  return [head, ...body, '}'];
}

/** One clause, as lines; `indent` is the clause's own indentation (for width). */
function printClause(c: A.Clause, indent: string): string[] {
  switch (c.kind) {
    case 'when':
      return printWhen(c.trigger, indent);
    case 'except':
      if (!c.block) return [`except ${printExpr(c.conditions[0]!)}`];
      return ['except {', ...c.conditions.map((e) => INDENT + printExpr(e)), '}'];
    case 'for':
      return [`for ${c.duration.text}`];
    case 'keep':
      return [`keep firing for ${c.duration.text}`];
    case 'severity':
      return [`severity ${c.level.text}`];
    case 'summary':
      return [`summary ${printString(c.template.value)}`];
    case 'labels':
      return [`labels { ${c.pairs.map((p) => `${p.key.text} = ${printString(p.value.value)}`).join(', ')} }`];
    case 'cooldown':
      return [`cooldown ${c.duration.text}`];
    case 'then':
      return [`then ${c.actions.map((a) => (a.args.length ? `${a.notifier.text}(${a.args.map((s) => printString(s.value)).join(', ')})` : a.notifier.text)).join(', ')}`];
  }
}

function printWhen(t: A.Trigger, indent: string): string[] {
  const by = (names: readonly A.Name[]): string => (names.length ? ` by ${names.map((n) => n.text).join(', ')}` : '');
  let line: string;
  if (t.kind === 'event') line = `when ${printSelector(t.selector)}`;
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
  return [`when ${t.selector.event.text}`, ...items.map((e) => `${INDENT}${INDENT}and ${printExpr(e, e.kind === 'or' ? 1 : 0)}`)];
}
