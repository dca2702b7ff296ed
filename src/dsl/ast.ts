/**
 * The syntax tree of a rule file, exactly as written (lets unexpanded, names
 * unresolved). Every node keeps its source range. The checker turns it into
 * CheckedRule (checked_rule.ts); the formatter prints it back.
 */
import type { SourceRange } from './source_range';

export interface Name {
  readonly kind: 'name';
  readonly text: string;
  readonly range: SourceRange;
}

/** As written: `64MiB`, `10_000`, `500ms`; units are resolved by the checker. */
export interface NumberLiteral {
  readonly kind: 'number';
  readonly text: string;
  readonly range: SourceRange;
}

export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
  readonly range: SourceRange;
}

export interface BoolLiteral {
  readonly kind: 'bool';
  readonly value: boolean;
  readonly range: SourceRange;
}

/** A bare name in value position: an enum symbol such as `compaction`. */
export type Literal = NumberLiteral | StringLiteral | BoolLiteral | Name;

export interface ListLiteral {
  readonly kind: 'list';
  readonly items: readonly Literal[];
  readonly range: SourceRange;
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { readonly kind: 'and'; readonly items: readonly Expr[]; readonly range: SourceRange }
  | { readonly kind: 'or'; readonly items: readonly Expr[]; readonly range: SourceRange }
  | { readonly kind: 'not'; readonly item: Expr; readonly range: SourceRange }
  | {
      readonly kind: 'compare';
      readonly field: Name;
      readonly op: CompareOp;
      readonly value: Literal;
      readonly range: SourceRange;
    }
  /** `comm in ["a", "b"]` or `comm in some_let_list` */
  | { readonly kind: 'in'; readonly field: Name; readonly values: ListLiteral | Name; readonly range: SourceRange }
  | {
      readonly kind: 'matches';
      readonly field: Name;
      readonly patterns: StringLiteral | ListLiteral | Name;
      readonly range: SourceRange;
    }
  /** A bare name: a bool field (`populated`) or a `let` condition (`prod`). */
  | { readonly kind: 'ref'; readonly name: Name; readonly range: SourceRange };

/** `oom.victim and cgroup matches "/prod/**"`: an event kind and an optional filter. */
export interface Selector {
  readonly event: Name;
  readonly filter?: Expr;
  readonly range: SourceRange;
}

export type Trigger =
  | { readonly kind: 'event'; readonly selector: Selector; readonly by: readonly Name[]; readonly range: SourceRange }
  | {
      readonly kind: 'window';
      /** count, rate, sum, max, distinct: checked, not reserved words */
      readonly fn: Name;
      /** `process.fork` for count/rate, `migrate.pages.failed` (event.field) for the others */
      readonly selector: Selector;
      readonly op: CompareOp;
      readonly threshold: Literal;
      readonly within?: NumberLiteral;
      readonly by: readonly Name[];
      readonly range: SourceRange;
    }
  | {
      readonly kind: 'sequence';
      /** `not followed by`: an absence rule */
      readonly negated: boolean;
      readonly first: Selector;
      readonly second: Selector;
      readonly within: NumberLiteral;
      readonly by: readonly Name[];
      readonly range: SourceRange;
    };

export interface Action {
  readonly notifier: Name;
  readonly args: readonly StringLiteral[];
  readonly range: SourceRange;
}

export interface LabelPair {
  readonly key: Name;
  readonly value: StringLiteral;
  readonly range: SourceRange;
}

export type Clause =
  | { readonly kind: 'when'; readonly trigger: Trigger; readonly range: SourceRange }
  /** `except cond` (block = false) or `except { cond cond }` */
  | { readonly kind: 'except'; readonly conditions: readonly Expr[]; readonly block: boolean; readonly range: SourceRange }
  | { readonly kind: 'for'; readonly duration: NumberLiteral; readonly range: SourceRange }
  | { readonly kind: 'keep'; readonly duration: NumberLiteral; readonly range: SourceRange }
  | { readonly kind: 'severity'; readonly level: Name; readonly range: SourceRange }
  | { readonly kind: 'summary'; readonly template: StringLiteral; readonly range: SourceRange }
  /** longer text for the person paged: what it means, what to check; a template like summary */
  | { readonly kind: 'description'; readonly template: StringLiteral; readonly range: SourceRange }
  /** an http(s) URL: what to do */
  | { readonly kind: 'runbook'; readonly url: StringLiteral; readonly range: SourceRange }
  | { readonly kind: 'labels'; readonly pairs: readonly LabelPair[]; readonly range: SourceRange }
  | { readonly kind: 'cooldown'; readonly duration: NumberLiteral; readonly range: SourceRange }
  | { readonly kind: 'then'; readonly actions: readonly Action[]; readonly range: SourceRange };

export type ClauseKind = Clause['kind'];

export interface RuleDecl {
  readonly kind: 'rule';
  /** block: `rule "name" { ... }`; line: `when ... then ...` with a generated name */
  readonly form: 'block' | 'line';
  readonly name?: StringLiteral;
  /** in the order written; the formatter keeps it */
  readonly clauses: readonly Clause[];
  readonly range: SourceRange;
}

export interface LetDecl {
  readonly kind: 'let';
  readonly name: Name;
  readonly value: Expr | ListLiteral;
  readonly range: SourceRange;
}

export type Item = RuleDecl | LetDecl;

export interface Comment {
  /** including the leading `#` */
  readonly text: string;
  readonly range: SourceRange;
}

export interface RuleFile {
  readonly file: string;
  readonly items: readonly Item[];
  readonly comments: readonly Comment[];
}
