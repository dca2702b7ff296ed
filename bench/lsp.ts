/**
 * The language server on a 2,000-rule workspace (20 files of 100 rules and
 * a library of lets they all use): time from a keystroke's didChange to the
 * edited file's diagnostics, for an edit to one rule file (the common case:
 * that file is checked again) and for an edit to a let every file uses (the
 * worst: every rule is checked again), side by side with checking the whole
 * workspace from scratch as `rules check` does.
 *
 *   EDITS=40 node dist/bench/lsp.js
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkRuleSources } from '../src/dsl';
import { TestClient } from '../test/lsp/client';
import { median } from './support/side_by_side';

const FILES = 20;
const RULES_PER_FILE = 100;
const EDITS = Number(process.env.EDITS ?? 40);

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? NaN;
}

const LIB = (threshold: string): string => `let prod = cgroup matches "/prod/**" and anon_rss > ${threshold}\nlet batch = ["backup", "pg_dump"]\n`;

function ruleFile(n: number): string {
  const rules: string[] = [];
  for (let i = 0; i < RULES_PER_FILE; i++) {
    rules.push(`rule "r${n}-${i}" {
  when oom.victim and prod and comm != "kw${i}" except comm in batch
  severity critical
  summary "{comm} killed in {cgroup}"
  then stdout
}`);
  }
  return `${rules.join('\n\n')}\n`;
}

async function timed(client: TestClient, file: string, version: number, text: string): Promise<number> {
  const started = process.hrtime.bigint();
  await client.change(file, version, text);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-lsp-bench-'));
  const client = new TestClient();
  try {
    const files = Array.from({ length: FILES }, (_, n) => path.join(dir, `f${n}.rules`));
    const texts = files.map((_, n) => ruleFile(n));
    files.forEach((f, n) => fs.writeFileSync(f, texts[n] ?? ''));
    const lib = path.join(dir, 'lib.rules');
    fs.writeFileSync(lib, LIB('1GiB'));

    const scratch: number[] = [];
    const sources = [...files.map((file, n) => ({ file, text: texts[n] ?? '' })), { file: lib, text: LIB('1GiB') }];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      const result = checkRuleSources(sources);
      scratch.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (result.rules.length !== FILES * RULES_PER_FILE) throw new Error(`the workspace checks to ${result.rules.length} rules`);
    }

    await client.initialize(dir);
    const opened = process.hrtime.bigint();
    const first = await client.open(files[0] ?? '', texts[0] ?? '');
    const openMs = Number(process.hrtime.bigint() - opened) / 1e6;
    if (first.diagnostics.length !== 0) throw new Error(`the workspace has diagnostics: ${first.diagnostics[0]?.message ?? ''}`);

    // one rule file: a typo in and out, as typing does
    const ruleEdits: number[] = [];
    let version = 1;
    for (let i = 0; i < EDITS; i++) {
      const text = i % 2 === 0 ? (texts[0] ?? '').replace('comm != "kw0"', 'com != "kw0"') : (texts[0] ?? '');
      ruleEdits.push(await timed(client, files[0] ?? '', ++version, text));
    }

    // the library: a let every rule uses changes, so every rule is checked again
    await client.open(lib, LIB('1GiB'));
    const letEdits: number[] = [];
    for (let i = 0; i < Math.max(4, EDITS / 4); i++) letEdits.push(await timed(client, lib, ++version, LIB(i % 2 === 0 ? '2GiB' : '1GiB')));

    const row = (label: string, xs: readonly number[]): string =>
      `${label.padEnd(46)} median ${median(xs).toFixed(1).padStart(7)} ms   p95 ${quantile(xs, 0.95).toFixed(1).padStart(7)} ms   max ${Math.max(...xs)
        .toFixed(1)
        .padStart(7)} ms`;
    console.log(`workspace: ${FILES} files x ${RULES_PER_FILE} rules + a library of lets (${FILES * RULES_PER_FILE} rules)`);
    console.log(`${'first open (reads and checks the workspace)'.padEnd(46)} ${openMs.toFixed(1)} ms`);
    console.log(row(`keystroke in a rule file (${ruleEdits.length} edits)`, ruleEdits));
    console.log(row(`keystroke in a let all rules use (${letEdits.length} edits)`, letEdits));
    console.log(row('whole workspace checked from scratch (in process)', scratch));
    console.log(`a rule-file keystroke costs ${((median(ruleEdits) / median(scratch)) * 100).toFixed(1)}% of a check from scratch`);
  } finally {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
