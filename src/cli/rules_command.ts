/**
 * `kernwatch rules check [--config FILE] PATH...` and
 * `kernwatch rules fmt [--check] PATH...`. Every diagnostic of the run is
 * printed (file:line:col, the line, a caret); any error exits 1.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { formatRuleSource } from '../dsl';
import { loadRules, readRuleSources, reportDiagnostics } from './load_rules';
import { UsageError } from './usage_error';

export function rulesCommand(args: readonly string[]): number | Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'check') return check(rest);
  if (sub === 'fmt') return fmt(rest);
  // explain and test load the kernel and notifier modules, which check and fmt never need
  if (sub === 'explain') return import('./rules_explain_command').then((m) => m.rulesExplainCommand(rest));
  if (sub === 'test') return import('./rules_test_command').then((m) => m.rulesTestCommand(rest));
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
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createPatch } = require('diff') as typeof import('diff'); // only when there is a difference to show
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
