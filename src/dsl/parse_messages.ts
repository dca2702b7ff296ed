/**
 * Parse errors in the author's words: "expected 'then' but found 'slak'",
 * not Chevrotain's token-type names.
 */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';

function label(t: TokenType): string {
  return t === EOF ? 'end of file' : (t.LABEL ?? t.name);
}

export function found(token: IToken | undefined): string {
  if (!token || token.tokenType === EOF) return 'end of file';
  const image = token.image.length > 30 ? `${token.image.slice(0, 30)}...` : token.image;
  return `'${image}'`;
}

function oneOf(labels: string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? 'something else';
  if (unique.length > 6) return `${unique.slice(0, 6).join(', ')}, ...`;
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

const WHAT: Record<string, string> = {
  file: "a rule ('when ...', 'rule \"name\" { ... }') or 'let'",
  item: "a rule ('when ...', 'rule \"name\" { ... }') or 'let'",
  literal: 'a value (number, string or name)',
  primary: 'a condition',
  notExpr: 'a condition',
  andExpr: 'a condition',
  orExpr: 'a condition',
  predicate: 'a field name',
  thenClause: "a notifier name after 'then'",
  clause: "a clause (when, except, for, keep firing for, severity, summary, labels, cooldown, then) or '}'",
};

export const parseErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    if (expected === EOF) return `expected ${WHAT.file} but found ${found(actual)}`;
    return `expected ${label(expected)} but found ${found(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a rule ('when ...', 'rule "name" { ... }') or 'let' but found ${found(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const what = WHAT[ruleName] ?? oneOf(expectedPathsPerAlt.flatMap((alt) => alt.map((path) => label(path[0]!))));
    return `expected ${what} but found ${found(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const what = WHAT[ruleName] ?? oneOf(expectedIterationPaths.map((path) => label(path[0]!)));
    return `expected ${what} but found ${found(actual[0])}`;
  },
};
