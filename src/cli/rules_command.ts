/**
 * `kernwatch rules check [--config FILE] PATH...` and
 * `kernwatch rules fmt [--check] PATH...`. Every diagnostic of the run is
 * printed (file:line:col, the line, a caret); any error exits 1.
 */
import * as fs from 'node:fs';
import { createPatch } from 'diff';
import { parseArgs } from 'node:util';
import { formatRuleSource } from '../dsl';
import { loadRules, readRuleSources, reportDiagnostics } from './load_rules';
import { UsageError } from './usage_error';
import { rulesExplainCommand } from './rules_explain_command';
import { rulesTestCommand } from './rules_test_command';


export function rulesCommand(args: readonly string[]): number | Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'check') return check(rest);
  if (sub === 'fmt') return fmt(rest);
  if (sub === 'explain') return rulesExplainCommand(rest);
  if (sub === 'test') return rulesTestCommand(rest);
  throw new UsageError(sub === undefined ? 'rules: name a subcommand' : `rules: unknown subcommand '${sub}'`);
}

function check(args: readonly string[]): number {
  const { values, positionals } = parseArgs({ args: [...args], options: { config: { type: 'string' } }, allowPositionals: true, strict: true });
  const loaded = loadRules(positionals, values.config);
  if (!loaded) return 1;
  const rules = loaded.rules.length;
  const files = loaded.sources.length;
  process.stdout.write(`${rules} rule${rules === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}: ok\n`);
  return 0;
}

function fmt(args: readonly string[]): number {
  const { values, positionals } = parseArgs({ args: [...args], options: { check: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  const sources = readRuleSources(positionals);
  if (!sources) return 1;
  let status = 0;
  let changed = 0;
  for (const s of sources) {
    const result = formatRuleSource(s.file, s.text);
    reportDiagnostics(result.diagnostics, [s]);
    if (result.output === undefined) {
      status = 1;
      continue;
    }
    if (result.output === s.text) continue;
    if (values.check) {
      process.stdout.write(createPatch(s.file, s.text, result.output, 'as written', 'as kernwatch rules fmt writes it'));
      process.stdout.write(`${s.file}: not formatted (run kernwatch rules fmt ${s.file})\n`);
      status = 1;
    } else {
      fs.writeFileSync(s.file, result.output);
      process.stdout.write(`${s.file}: formatted\n`);
      changed++;
    }
  }
  if (!values.check && status === 0) process.stdout.write(`${changed} of ${sources.length} file${sources.length === 1 ? '' : 's'} changed\n`);
  return status;
}
