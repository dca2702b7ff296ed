/**
 * `kernwatch rules check [--config FILE] PATH...` and
 * `kernwatch rules fmt [--check] PATH...`. Every diagnostic of the run is
 * printed (file:line:col, the line, a caret); any error exits 1.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { checkAction } from '../config/check_action';
import { ConfigError } from '../config/config_error';
import { loadConfig } from '../config/load_config';
import { checkRuleSources, formatDiagnostic, formatRuleSource, type CheckOptions, type Diagnostic } from '../dsl';
import { findRuleFiles, RuleFilesError } from '../dsl/rule_files';
import { UsageError } from './usage_error';
import { rulesExplainCommand } from './rules_explain_command';
import { rulesTestCommand } from './rules_test_command';

const USAGE = 'usage: kernwatch rules check [--config FILE] PATH... | kernwatch rules fmt [--check] PATH...';

export function rulesCommand(args: readonly string[]): number | Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'check') return check(rest);
  if (sub === 'fmt') return fmt(rest);
  if (sub === 'explain') return rulesExplainCommand(rest);
  if (sub === 'test') return rulesTestCommand(rest);
  throw new UsageError(sub === undefined ? USAGE : `rules: unknown subcommand '${sub}'\n${USAGE}`);
}

function check(args: readonly string[]): number {
  const { values, positionals } = parseArgs({ args: [...args], options: { config: { type: 'string' } }, allowPositionals: true, strict: true });
  const sources = readSources(positionals);
  if (!sources) return 1;
  let options: CheckOptions = {};
  if (values.config !== undefined) {
    try {
      const config = loadConfig(values.config);
      options = { notifiers: new Set(config.notifiers.keys()), checkAction: (n, a) => checkAction(config, n, a) };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(`kernwatch: ${e.message}\n`);
      return 1;
    }
  }
  const result = checkRuleSources(sources, options);
  report(result.diagnostics, sources);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    process.stderr.write(`${errors} error${errors === 1 ? '' : 's'} in ${sources.length} file${sources.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  process.stdout.write(`${result.rules.length} rule${result.rules.length === 1 ? '' : 's'} in ${sources.length} file${sources.length === 1 ? '' : 's'}: ok\n`);
  return 0;
}

function fmt(args: readonly string[]): number {
  const { values, positionals } = parseArgs({ args: [...args], options: { check: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  const sources = readSources(positionals);
  if (!sources) return 1;
  let status = 0;
  for (const s of sources) {
    const result = formatRuleSource(s.file, s.text);
    report(result.diagnostics, [s]);
    if (result.output === undefined) {
      status = 1;
      continue;
    }
    if (result.output === s.text) continue;
    if (values.check) {
      process.stdout.write(`${s.file}: not formatted (run kernwatch rules fmt ${s.file})\n`);
      status = 1;
    } else {
      fs.writeFileSync(s.file, result.output);
      process.stdout.write(`${s.file}: formatted\n`);
    }
  }
  return status;
}

/** undefined after printing why a path could not be read. */
function readSources(paths: readonly string[]): { file: string; text: string }[] | undefined {
  if (paths.length === 0) throw new UsageError(`rules: name at least one file or directory\n${USAGE}`);
  try {
    const files = findRuleFiles(paths);
    if (files.length === 0) {
      process.stderr.write(`kernwatch: no *.rules files in ${paths.join(' ')}\n`);
      return undefined;
    }
    return files.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
  } catch (e) {
    const message = e instanceof RuleFilesError ? e.message : `${(e as NodeJS.ErrnoException).path ?? ''}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    process.stderr.write(`kernwatch: ${message}\n`);
    return undefined;
  }
}

function report(diagnostics: readonly Diagnostic[], sources: readonly { file: string; text: string }[]): void {
  const text = new Map(sources.map((s) => [s.file, s.text]));
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d, text.get(d.file))}\n`);
}
