/**
 * The agent's rule set: every *.rules file under the config's rule paths,
 * read in one pass, checked against the config's notifiers, and named by a
 * hash of the files' names and contents, so two hosts running the same
 * commit of the rules repository report the same hash.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/config';
import { checkRuleSources, formatDiagnostic, type CheckedRule } from '../dsl';
import { checkOptionsFor } from '../config/check_action';
import { readRuleSources } from '../config/rule_sources';

export interface RuleSet {
  readonly rules: readonly CheckedRule[];
  readonly files: readonly string[];
  /** 16 hex digits of sha256 over each file's path (relative to its configured root) and text */
  readonly hash: string;
  /** formatted warnings, located */
  readonly warnings: readonly string[];
}

export type RuleSetResult =
  | { readonly ok: true; readonly ruleSet: RuleSet }
  /** `problems`: located diagnostics (file:line:col, source line, caret), or the path that could not be read */
  | { readonly ok: false; readonly problems: readonly string[]; readonly files: readonly string[] };

export function loadRuleSet(config: Config): RuleSetResult {
  if (config.rules.length === 0) {
    return { ok: false, problems: [`${config.file ?? 'the config'}: rules: name at least one rule file or directory`], files: [] };
  }
  const read = readRuleSources(config.rules);
  if (!read.ok) return { ok: false, problems: [read.problem], files: read.files };
  const { sources } = read;
  const files = sources.map((s) => s.file);
  const result = checkRuleSources(sources, checkOptionsFor(config));
  const text = new Map(sources.map((s) => [s.file, s.text]));
  const shown = (severity: string): string[] => result.diagnostics.filter((d) => d.severity === severity).map((d) => formatDiagnostic(d, text.get(d.file)));
  const errors = shown('error');
  if (errors.length > 0) return { ok: false, problems: errors, files };
  return { ok: true, ruleSet: { rules: result.rules, files, hash: ruleSetHash(sources), warnings: shown('warning') } };
}

function ruleSetHash(sources: readonly { readonly name: string; readonly text: string }[]): string {
  const h = createHash('sha256');
  for (const s of [...sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    h.update(`${s.name}\u0000${Buffer.byteLength(s.text)}\u0000`).update(s.text);
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Files that had rules before and have none now. A truncated write or
 * `: > file` looks exactly like this, and loading it would turn those rules
 * off in silence; deleting the file is how to remove its rules on purpose.
 * A set that would lose every rule is refused the same way.
 */
export function emptiedRuleFiles(before: RuleSet, after: RuleSet): string[] {
  const byFile = (rs: RuleSet): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const r of rs.rules) m.set(r.file, [...(m.get(r.file) ?? []), r.name]);
    return m;
  };
  const had = byFile(before);
  const has = byFile(after);
  const problems: string[] = [];
  for (const [file, names] of had) {
    if (!after.files.includes(file) || has.has(file)) continue;
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');
    problems.push(
      `${file}:1:1: error: this file has no rules now; it had ${names.length} (${shown}). An emptied file is taken for a failed write: delete the file to remove its rules`,
    );
  }
  if (problems.length === 0 && after.rules.length === 0 && before.rules.length > 0) {
    problems.push(
      `${after.files.join(', ')}: error: the rule files have no rules; loading them would turn every alert off. Delete the files to remove their rules`,
    );
  }
  return problems;
}
