/**
 * The rule language's public surface. The engine needs checkRuleSources and
 * the CheckedRule types; globs and templates are shared so matching and
 * rendering mean the same thing everywhere.
 */
export { checkRuleSources, hasErrors, type CheckOptions, type CheckResult, type RuleSource } from './check';
export type * from './checked_rule';
export { BUILTIN_NOTIFIERS, DEFAULT_COOLDOWN_MS, DEFAULT_SEVERITY } from './check_rule';
export { formatDiagnostic, type Diagnostic, type DiagnosticSeverity } from './diagnostic';
export { formatRuleSource, type FormatResult } from './format';
export { globMatcher, globToRegExp, pathGlobPrefix, validateGlob, type GlobKind } from './glob';
export { parseRuleFile, type ParseResult } from './parse';
export type { Position, SourceRange } from './source_range';
export { renderTemplate } from './template';
