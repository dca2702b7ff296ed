/**
 * Conditions and literals back to text, with only the parentheses that
 * precedence needs (the parser drops them all), so `(a and (b))` prints as
 * `a and b` and the AST of the output equals the AST of the input.
 */
import type * as A from './ast';

const PRECEDENCE = { or: 0, and: 1, not: 2, atom: 3 } as const;

function precedence(e: A.Expr): number {
  return e.kind === 'or' || e.kind === 'and' || e.kind === 'not' ? PRECEDENCE[e.kind] : PRECEDENCE.atom;
}

export function printExpr(e: A.Expr, parent: number = PRECEDENCE.or): string {
  const text = printBare(e);
  return precedence(e) < parent ? `(${text})` : text;
}

function printBare(e: A.Expr): string {
  switch (e.kind) {
    case 'or':
      return e.items.map((i) => printExpr(i, PRECEDENCE.and)).join(' or ');
    case 'and':
      return e.items.map((i) => printExpr(i, PRECEDENCE.not)).join(' and ');
    case 'not':
      return `not ${printExpr(e.item, PRECEDENCE.not)}`;
    case 'compare':
      return `${e.field.text} ${e.op} ${printLiteral(e.value)}`;
    case 'in':
      return `${e.field.text} in ${e.values.kind === 'list' ? printList(e.values) : e.values.text}`;
    case 'matches':
      return `${e.field.text} matches ${e.patterns.kind === 'list' ? printList(e.patterns) : e.patterns.kind === 'string' ? printString(e.patterns.value) : e.patterns.text}`;
    case 'ref':
      return e.name.text;
  }
}

/** `event and cond`; a top-level `or` gets parentheses so no reader wonders what `and` binds. */
export function printSelector(s: A.Selector): string {
  if (!s.filter) return s.event.text;
  return `${s.event.text} and ${printExpr(s.filter, s.filter.kind === 'or' ? PRECEDENCE.and : PRECEDENCE.or)}`;
}

export function printList(l: A.ListLiteral): string {
  return `[${l.items.map(printLiteral).join(', ')}]`;
}

export function printLiteral(l: A.Literal): string {
  switch (l.kind) {
    case 'number':
    case 'name':
      return l.text;
    case 'string':
      return printString(l.value);
    case 'bool':
      return String(l.value);
  }
}

export function printString(value: string): string {
  return `"${value.replace(/[\\"\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\${c}`))}"`;
}
