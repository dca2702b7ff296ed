/**
 * The lexer. Keywords are reserved words (a field cannot be called `when`)
 * and take `longer_alt: Identifier` so that `notify` is a name, not `not`.
 * Every token has a LABEL: parse errors quote it in the user's words.
 */
import type { TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
/** Comments go to their own group: the formatter puts them back. */
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/, group: 'comments' });

/** Any word, keywords included: label keys may be `severity` (and are then rejected by meaning, not syntax). */
export const AnyWord = createToken({ name: 'AnyWord', pattern: Lexer.NA, label: 'a name' });

/** Dotted names: `oom.victim`, `migrate.pages.failed`, `cgroup`. */
export const Identifier = createToken({
  name: 'Identifier',
  categories: AnyWord,
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/,
  label: 'a name',
});

function keyword(word: string): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: AnyWord,
    label: `'${word}'`,
  });
}

export const When = keyword('when');
export const Then = keyword('then');
export const Rule = keyword('rule');
export const Let = keyword('let');
export const And = keyword('and');
export const Or = keyword('or');
export const Not = keyword('not');
export const In = keyword('in');
export const Matches = keyword('matches');
export const Except = keyword('except');
export const Within = keyword('within');
export const By = keyword('by');
export const For = keyword('for');
export const Keep = keyword('keep');
export const Firing = keyword('firing');
export const Followed = keyword('followed');
export const Severity = keyword('severity');
export const Summary = keyword('summary');
export const Description = keyword('description');
export const Runbook = keyword('runbook');
export const Labels = keyword('labels');
export const Cooldown = keyword('cooldown');
export const True = keyword('true');
export const False = keyword('false');

/** Escapes: \" \\ \n \t. A string never spans lines. */
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"(?:[^"\\\n\r]|\\.)*"/,
  label: 'a string',
});

/** Digits with `_` separators, a sign, a fraction, a unit: `10_000`, `-500`, `1.5GiB`, `500ms`, `0x1f`. */
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /-?(?:0x[0-9A-Fa-f_]+|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[A-Za-z]+)?)/,
  label: 'a number',
});

export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA, label: 'a comparison' });
export const Eq = createToken({ name: 'Eq', pattern: /==/, categories: CompareOp, label: "'=='" });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, categories: CompareOp, label: "'!='" });
export const LessEq = createToken({ name: 'LessEq', pattern: /<=/, categories: CompareOp, label: "'<='" });
export const GreaterEq = createToken({ name: 'GreaterEq', pattern: />=/, categories: CompareOp, label: "'>='" });
export const Less = createToken({ name: 'Less', pattern: /</, categories: CompareOp, label: "'<'" });
export const Greater = createToken({ name: 'Greater', pattern: />/, categories: CompareOp, label: "'>'" });
export const Assign = createToken({ name: 'Assign', pattern: /=/, label: "'='" });

export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/, label: "']'" });
export const LBrace = createToken({ name: 'LBrace', pattern: /{/, label: "'{'" });
export const RBrace = createToken({ name: 'RBrace', pattern: /}/, label: "'}'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });

const KEYWORDS = [
  When,
  Then,
  Rule,
  Let,
  And,
  Or,
  Not,
  In,
  Matches,
  Except,
  Within,
  By,
  For,
  Keep,
  Firing,
  Followed,
  Severity,
  Summary,
  Description,
  Runbook,
  Labels,
  Cooldown,
  True,
  False,
];

/** The language's reserved words, as written. */
export const KEYWORD_WORDS: readonly string[] = KEYWORDS.map((k) => k.name.toLowerCase());

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  Comment,
  ...KEYWORDS,
  Identifier,
  AnyWord,
  StringLiteral,
  NumberLiteral,
  CompareOp,
  Eq,
  NotEq,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Assign,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
];

export const ruleLexer = new Lexer(ALL_TOKENS, { positionTracking: 'full', ensureOptimizations: true });
