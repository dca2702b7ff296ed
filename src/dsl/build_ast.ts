/**
 * CST -> AST. Chevrotain's CST is untyped (children keyed by token and rule
 * names); this is the one place that knows its shape. Items that error
 * recovery only partly rebuilt are dropped: their parse errors are already
 * reported, and checking half a rule would only add noise.
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast';
import type { Diagnostic } from './diagnostic';
import type { SourceRange } from './source_range';

class Incomplete extends Error {}

type Children = Record<string, CstElement[] | undefined>;

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

export function tokenRange(t: IToken): SourceRange {
  return {
    start: { line: t.startLine ?? 1, column: t.startColumn ?? 1, offset: t.startOffset },
    end: { line: t.endLine ?? 1, column: (t.endColumn ?? 0) + 1, offset: (t.endOffset ?? t.startOffset) + 1 },
  };
}

function nodeRange(n: CstNode): SourceRange {
  const l = n.location;
  if (!l || Number.isNaN(l.startOffset) || l.endOffset === undefined || Number.isNaN(l.endOffset)) throw new Incomplete();
  return {
    start: { line: l.startLine ?? 1, column: l.startColumn ?? 1, offset: l.startOffset },
    end: { line: l.endLine ?? 1, column: (l.endColumn ?? 0) + 1, offset: l.endOffset + 1 },
  };
}

function kids(n: CstNode): Children {
  return n.children;
}

/** Whether error recovery rebuilt any part of this subtree (a node, or a token it invented). */
function recovered(root: CstNode): boolean {
  const stack: CstElement[] = [root];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    if (isToken(e)) {
      if (e.isInsertedInRecovery || Number.isNaN(e.startOffset)) return true;
      continue;
    }
    if (e.recoveredNode) return true;
    const c = e.children as Children;
    for (const key in c) stack.push(...(c[key] ?? []));
  }
  return false;
}

function tokens(c: Children, key: string): IToken[] {
  const out = (c[key] ?? []) as IToken[];
  for (const t of out) if (t.isInsertedInRecovery || Number.isNaN(t.startOffset)) throw new Incomplete();
  return out;
}

function token(c: Children, key: string): IToken {
  const t = tokens(c, key)[0];
  if (!t) throw new Incomplete();
  return t;
}

function maybeToken(c: Children, key: string): IToken | undefined {
  return tokens(c, key)[0];
}

function nodes(c: Children, key: string): CstNode[] {
  return (c[key] ?? []).filter((e): e is CstNode => !isToken(e));
}

function node(c: Children, key: string): CstNode {
  const n = nodes(c, key)[0];
  if (!n) throw new Incomplete();
  return n;
}

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly file: string) {}

  /** `hadErrors`: only then can error recovery have rebuilt parts of the tree. */
  build(cst: CstNode, hadErrors: boolean): A.Item[] {
    const items: A.Item[] = [];
    for (const item of nodes(cst.children, 'item')) {
      if (hadErrors && recovered(item)) continue;
      try {
        items.push(this.item(item));
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
      }
    }
    return items;
  }

  private item(n: CstNode): A.Item {
    const c = kids(n);
    const letDecl = nodes(c, 'letDecl')[0];
    if (letDecl) return this.letDecl(letDecl);
    const block = nodes(c, 'ruleBlock')[0];
    if (block) return this.ruleBlock(block);
    return this.oneLiner(node(c, 'oneLiner'));
  }

  private letDecl(n: CstNode): A.LetDecl {
    const c = kids(n);
    const list = nodes(c, 'list')[0];
    return {
      kind: 'let',
      name: this.name(token(c, 'Identifier')),
      value: list ? this.list(list) : this.orExpr(node(c, 'orExpr')),
      range: nodeRange(n),
    };
  }

  private ruleBlock(n: CstNode): A.RuleDecl {
    const c = kids(n);
    token(c, 'RBrace');
    return {
      kind: 'rule',
      form: 'block',
      name: this.string(token(c, 'StringLiteral')),
      clauses: nodes(c, 'clause').map((cl) => this.clause(node(kids(cl), Object.keys(kids(cl))[0] ?? ''))),
      range: nodeRange(n),
    };
  }

  private oneLiner(n: CstNode): A.RuleDecl {
    const c = kids(n);
    const parts = [...nodes(c, 'whenClause'), ...nodes(c, 'exceptClause'), ...nodes(c, 'forClause'), ...nodes(c, 'keepClause'), ...nodes(c, 'thenClause')];
    parts.sort((a, b) => nodeRange(a).start.offset - nodeRange(b).start.offset);
    return { kind: 'rule', form: 'line', clauses: parts.map((p) => this.clause(p)), range: nodeRange(n) };
  }

  private clause(n: CstNode): A.Clause {
    const c = kids(n);
    const range = nodeRange(n);
    switch (n.name) {
      case 'whenClause': {
        const w = nodes(c, 'windowTrigger')[0];
        return { kind: 'when', trigger: w ? this.windowTrigger(w) : this.eventTrigger(node(c, 'eventTrigger')), range };
      }
      case 'exceptClause': {
        const block = maybeToken(c, 'LBrace') !== undefined;
        if (block) token(c, 'RBrace');
        return { kind: 'except', conditions: nodes(c, 'orExpr').map((e) => this.orExpr(e)), block, range };
      }
      case 'forClause':
        return { kind: 'for', duration: this.number(token(c, 'NumberLiteral')), range };
      case 'keepClause':
        return { kind: 'keep', duration: this.number(token(c, 'NumberLiteral')), range };
      case 'cooldownClause':
        return { kind: 'cooldown', duration: this.number(token(c, 'NumberLiteral')), range };
      case 'severityClause':
        return { kind: 'severity', level: this.name(token(c, 'Identifier')), range };
      case 'summaryClause':
        return { kind: 'summary', template: this.string(token(c, 'StringLiteral')), range };
      case 'descriptionClause':
        return { kind: 'description', template: this.string(token(c, 'StringLiteral')), range };
      case 'runbookClause':
        return { kind: 'runbook', url: this.string(token(c, 'StringLiteral')), range };
      case 'labelsClause': {
        token(c, 'RBrace');
        const pairs = nodes(c, 'label').map((l) => {
          const lc = kids(l);
          return { key: this.name(token(lc, 'AnyWord')), value: this.string(token(lc, 'StringLiteral')), range: nodeRange(l) };
        });
        return { kind: 'labels', pairs, range };
      }
      case 'thenClause':
        return { kind: 'then', actions: nodes(c, 'action').map((a) => this.action(a)), range };
      default:
        throw new Incomplete();
    }
  }

  private action(n: CstNode): A.Action {
    const c = kids(n);
    if (maybeToken(c, 'LParen')) token(c, 'RParen');
    return {
      notifier: this.name(token(c, 'Identifier')),
      args: tokens(c, 'StringLiteral').map((t) => this.string(t)),
      range: nodeRange(n),
    };
  }

  private windowTrigger(n: CstNode): A.Trigger {
    const c = kids(n);
    token(c, 'RParen');
    const within = maybeToken(c, 'within');
    const by = nodes(c, 'byList')[0];
    return {
      kind: 'window',
      fn: this.name(token(c, 'fn')),
      selector: this.selector(node(c, 'selector')),
      op: token(c, 'CompareOp').image as A.CompareOp,
      threshold: this.literal(node(c, 'literal')),
      ...(within ? { within: this.number(within) } : {}),
      by: by ? this.byList(by) : [],
      range: nodeRange(n),
    };
  }

  private eventTrigger(n: CstNode): A.Trigger {
    const c = kids(n);
    const first = this.selector(node(c, 'first'));
    const range = nodeRange(n);
    const by = nodes(c, 'byList')[0];
    if (!maybeToken(c, 'Followed')) return { kind: 'event', selector: first, by: by ? this.byList(by) : [], range };
    return {
      kind: 'sequence',
      negated: maybeToken(c, 'Not') !== undefined,
      first,
      second: this.selector(node(c, 'second')),
      within: this.number(token(c, 'within')),
      by: by ? this.byList(by) : [],
      range,
    };
  }

  private selector(n: CstNode): A.Selector {
    const c = kids(n);
    const filter = nodes(c, 'orExpr')[0];
    return {
      event: this.name(token(c, 'Identifier')),
      ...(filter ? { filter: this.orExpr(filter) } : {}),
      range: nodeRange(n),
    };
  }

  private byList(n: CstNode): A.Name[] {
    return tokens(kids(n), 'Identifier').map((t) => this.name(t));
  }

  private orExpr(n: CstNode): A.Expr {
    const items = nodes(kids(n), 'andExpr').map((a) => this.andExpr(a));
    return this.chain('or', items, n);
  }

  private andExpr(n: CstNode): A.Expr {
    const items = nodes(kids(n), 'notExpr').map((a) => this.notExpr(a));
    return this.chain('and', items, n);
  }

  /** `a and (b and c)` and `a and b and c` are one list: parentheses are layout. */
  private chain(kind: 'and' | 'or', items: A.Expr[], n: CstNode): A.Expr {
    if (items.length === 0) throw new Incomplete();
    if (items.length === 1) return items[0]!;
    const flat = items.flatMap((e) => (e.kind === kind ? e.items : [e]));
    return { kind, items: flat, range: nodeRange(n) };
  }

  private notExpr(n: CstNode): A.Expr {
    const c = kids(n);
    const inner = nodes(c, 'notExpr')[0];
    if (inner) return { kind: 'not', item: this.notExpr(inner), range: nodeRange(n) };
    const p = kids(node(c, 'primary'));
    const paren = nodes(p, 'orExpr')[0];
    if (paren) {
      token(p, 'RParen');
      return this.orExpr(paren);
    }
    return this.predicate(node(p, 'predicate'));
  }

  private predicate(n: CstNode): A.Expr {
    const c = kids(n);
    const field = this.name(token(c, 'Identifier'));
    const range = nodeRange(n);
    const op = maybeToken(c, 'CompareOp');
    if (op) return { kind: 'compare', field, op: op.image as A.CompareOp, value: this.literal(node(c, 'literal')), range };
    if (maybeToken(c, 'In')) return { kind: 'in', field, values: this.listOrName(node(c, 'listOrName')), range };
    if (maybeToken(c, 'Matches')) {
      const s = maybeToken(c, 'StringLiteral');
      return { kind: 'matches', field, patterns: s ? this.string(s) : this.listOrName(node(c, 'listOrName')), range };
    }
    return { kind: 'ref', name: field, range };
  }

  private listOrName(n: CstNode): A.ListLiteral | A.Name {
    const c = kids(n);
    const list = nodes(c, 'list')[0];
    return list ? this.list(list) : this.name(token(c, 'Identifier'));
  }

  private list(n: CstNode): A.ListLiteral {
    const c = kids(n);
    token(c, 'RBracket');
    return { kind: 'list', items: nodes(c, 'literal').map((l) => this.literal(l)), range: nodeRange(n) };
  }

  private literal(n: CstNode): A.Literal {
    const c = kids(n);
    let t: CstElement | undefined;
    for (const key in c) t = c[key]?.[0];
    if (!t || !isToken(t)) throw new Incomplete();
    switch (t.tokenType.name) {
      case 'NumberLiteral':
        return this.number(t);
      case 'StringLiteral':
        return this.string(t);
      case 'True':
      case 'False':
        return { kind: 'bool', value: t.image === 'true', range: tokenRange(t) };
      default:
        return this.name(t);
    }
  }

  private name(t: IToken): A.Name {
    return { kind: 'name', text: t.image, range: tokenRange(t) };
  }

  private number(t: IToken): A.NumberLiteral {
    return { kind: 'number', text: t.image, range: tokenRange(t) };
  }

  private string(t: IToken): A.StringLiteral {
    const range = tokenRange(t);
    const body = t.image.slice(1, -1);
    const value = body.replace(/\\(.)/g, (all: string, ch: string, at: number) => {
      const out = ESCAPES[ch];
      if (out !== undefined) return out;
      const offset = range.start.offset + 1 + at;
      const pos = { line: range.start.line, column: range.start.column + 1 + at, offset };
      this.diagnostics.push({
        file: this.file,
        range: { start: pos, end: { ...pos, column: pos.column + 2, offset: offset + 2 } },
        severity: 'error',
        message: `unknown escape '${all}' in string (use \\" \\\\ \\n or \\t)`,
      });
      return ch;
    });
    return { kind: 'string', value, range };
  }
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t' };
