/**
 * Parse errors in the author's words: "expected 'then' but found 'slak'",
 * not Chevrotain's token-type names.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { EOF } from './chevrotain';

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
  return `${unique.slice(0, -1).join(', ')} or ${unique.at(-1) ?? ''}`;
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

/** What a name means where the grammar wants one. */
const NAME_IN: Record<string, string> = {
  selector: "an event name (see 'kernwatch events')",
  byList: "a field name after 'by'",
  predicate: 'a field name',
  action: 'a notifier name',
  letDecl: 'a name for the let',
  severityClause: 'info, warning or critical',
  windowTrigger: 'an aggregation (count, rate, sum, max, distinct)',
};

function expectedButFound(expected: TokenType[], actual: IToken | undefined, previous: IToken | undefined, ruleName: string): string {
  const hint = actual && habit(actual, previous);
  if (hint) return hint;
  const onlyNames = expected.every((t) => t.name === 'Identifier');
  const what = (onlyNames ? NAME_IN[ruleName] : undefined) ?? WHAT[ruleName] ?? oneOf(expected.map(label));
  return `expected ${what} but found ${found(actual)}`;
}

const AGGREGATES = new Set(['count', 'rate', 'sum', 'max', 'distinct']);
const BLOCK_ONLY = new Set(['severity', 'summary', 'labels', 'cooldown']);

/** Habits from other languages and likely misreadings, answered with the kernwatch spelling. */
function habit(actual: IToken, previous?: IToken): string | undefined {
  const image = actual.image;
  if (image === '=') return "'=' is not a comparison; write '=='";
  if (image === 'where') return 'conditions follow the event with \'and\': when oom.victim and comm == "java"';
  if (BLOCK_ONLY.has(image)) return `'${image}' needs a rule block: rule "name" { when ... ${image} ... then ... }`;
  if (image === '(' && previous && AGGREGATES.has(previous.image)) {
    return `${previous.image}() makes a window rule (when ${previous.image}(process.fork) > 500 within 10s); it cannot be part of a condition`;
  }
  if (image === '(' && (previous?.image === 'in' || previous?.image === 'matches')) return 'lists are in brackets: ["a", "b"]';
  if (image === 'and' && previous?.tokenType.name !== 'And') {
    return 'a condition goes right after its event name: count(process.fork and ...), cgroup.freeze and ... not followed by ...';
  }
  return undefined;
}

export const parseErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    const hint = habit(actual, previous);
    if (hint && expected.name !== 'Assign') return hint;
    if (expected === EOF) return `expected ${WHAT.file ?? "a rule or 'let'"} but found ${found(actual)}`;
    if (ruleName === 'ruleBlock' && expected.name === 'StringLiteral') {
      return `expected the rule's name in quotes (rule "prod-oom" { ... }) but found ${found(actual)}`;
    }
    const what = expected.name === 'Identifier' ? (NAME_IN[ruleName] ?? label(expected)) : label(expected);
    return `expected ${what} but found ${found(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a rule ('when ...', 'rule "name" { ... }') or 'let' but found ${found(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, ruleName }) {
    return expectedButFound(
      expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0]!)),
      actual[0],
      previous,
      ruleName,
    );
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, ruleName }) {
    return expectedButFound(
      expectedIterationPaths.map((path) => path[0]!),
      actual[0],
      previous,
      ruleName,
    );
  },
};
