/**
 * The rule language's public surface, and the one door into it: nothing
 * outside src/dsl/ imports its files directly (tests of its parts aside).
 * The engine needs checkRuleSources and the CheckedRule types; globs and
 * templates are shared so matching and rendering mean the same thing
 * everywhere.
 */
export { checkRuleSources, hasErrors, RuleSetChecker, type CheckOptions, type CheckResult, type RuleSource } from './check';
export type * from './checked_rule';
export type { LetDecl, RuleFile } from './ast';
export { AGGREGATES, BUILTIN_NOTIFIERS, DEFAULT_COOLDOWN_MS, DEFAULT_SEVERITY, SEVERITIES } from './check_rule';
export type { LetEntry } from './check_condition';
export { formatDiagnostic, type Diagnostic, type DiagnosticSeverity } from './diagnostic';
export { formatRuleSource, type FormatResult } from './format';
export { globMatcher, globToRegExp, pathGlobPrefix, validateGlob, type GlobKind } from './glob';
export { parseRuleFile, type ParseResult } from './parse';
export type { Position, SourceRange } from './source_range';
export { renderTemplate } from './template';
export { findRuleFiles, RULE_FILE_EXTENSION, RuleFilesError, RuleTreeTooLarge, type WalkOptions } from './rule_files';
export { ruleDefinition, ruleSetChanges } from './rule_definition';
export { scopeRules, unscopedText } from './scope';
export { closest, didYouMean, suggestionIn } from './suggest';
export { symbolAt, symbolsOf, type SymbolOccurrence, type SymbolRole } from './symbols';
export { KEYWORD_WORDS } from './tokens';
export { formatLiteral } from './units';
