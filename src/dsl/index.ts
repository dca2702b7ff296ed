/**
 * The rule language's public surface, and the one door into it: nothing
 * outside src/dsl/ imports its files directly (tests of its parts aside).
 * The engine needs checkRuleSources and the CheckedRule types; globs and
 * templates are shared so matching and rendering mean the same thing
 * everywhere.
 */
export { checkRuleSources, RuleSetChecker, type CheckOptions, type CheckResult, type RuleSource } from './check';
export type * from './checked_rule';
export { AGGREGATES, BUILTIN_NOTIFIERS, SEVERITIES } from './check_rule';
export type { LetEntry } from './check_condition';
export { formatDiagnostic, type Diagnostic } from './diagnostic';
export { formatRuleSource } from './format';
export { globMatcher, pathGlobPrefix, validateGlob } from './glob';
export { parseRuleFile } from './parse';
export type { Position, SourceRange } from './source_range';
export { renderTemplate } from './template';
export { findRuleFiles, RULE_FILE_EXTENSION, RuleFilesError, RuleTreeTooLarge } from './rule_files';
export { ruleDefinition, ruleSetChanges } from './rule_definition';
export { scopeRules, unscopedText } from './scope';
export { closest, didYouMean, suggestionIn } from './suggest';
export { symbolAt, symbolsOf, type SymbolOccurrence } from './symbols';
export { KEYWORD_WORDS } from './tokens';
export { formatLiteral } from './units';
