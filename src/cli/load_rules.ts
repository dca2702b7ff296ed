/**
 * Rule files to checked rules for every command that runs rules: reads the
 * paths, checks them (against the config's notifiers when one is given),
 * prints every diagnostic located, and says whether it worked.
 */
import { checkOptionsFor } from '../config/check_action';
import type { Config } from '../config/config';
import { ConfigError } from '../config/config_error';
import { checkRuleSources, formatDiagnostic, type CheckedRule, type Diagnostic } from '../dsl';
import { readRuleSources as readSources, type RuleSourceFile } from '../config/rule_sources';
import { UsageError } from './usage_error';

/** The rule files `paths` name; undefined after printing why one could not be read. */
export function readRuleSources(paths: readonly string[]): readonly RuleSourceFile[] | undefined {
  if (paths.length === 0) throw new UsageError('name at least one rule file or directory');
  const read = readSources(paths);
  if (read.ok) return read.sources;
  process.stderr.write(`kernwatch: ${read.problem}\n`);
  return undefined;
}

export function reportDiagnostics(diagnostics: readonly Diagnostic[], sources: readonly RuleSourceFile[]): void {
  const text = new Map(sources.map((s) => [s.file, s.text]));
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d, text.get(d.file))}\n`);
}

/** The config, or undefined after printing its error. */
export function readConfig(file: string): Config | undefined {
  // loaded only when a config is named: its YAML and schema modules are a third of `rules check`'s start-up
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfig } = require('../config/load_config') as typeof import('../config/load_config');
  try {
    return loadConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`kernwatch: ${e.message}\n`);
    return undefined;
  }
}

export interface LoadedRules {
  readonly rules: readonly CheckedRule[];
  readonly sources: readonly RuleSourceFile[];
  readonly config?: Config;
}

/** Checked rules, or undefined after printing every diagnostic and a count. */
export function loadRules(paths: readonly string[], configFile: string | undefined): LoadedRules | undefined {
  const sources = readRuleSources(paths);
  if (!sources) return undefined;
  const config = configFile === undefined ? undefined : readConfig(configFile);
  if (configFile !== undefined && !config) return undefined;
  const result = checkRuleSources(sources, checkOptionsFor(config));
  reportDiagnostics(result.diagnostics, sources);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    process.stderr.write(`${errors} error${errors === 1 ? '' : 's'} in ${sources.length} file${sources.length === 1 ? '' : 's'}\n`);
    return undefined;
  }
  return { rules: result.rules, sources, ...(config ? { config } : {}) };
}
