/** The command line as users of promtool and bpftrace expect it: help everywhere, a version, one-line usage errors. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/run_cli';

const COMMANDS = [
  ['events'],
  ['tail'],
  ['record'],
  ['run'],
  ['lsp'],
  ['version'],
  ['rules'],
  ['rules', 'check'],
  ['rules', 'fmt'],
  ['rules', 'explain'],
  ['rules', 'test'],
];
const PACKAGE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

test('--help and -h on every command and subcommand print its usage on stdout and exit 0', async () => {
  for (const command of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      const r = await runCli([...command, flag], { timeoutMs: 10_000 });
      assert.equal(r.code, 0, `${command.join(' ')} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage:\\s+kernwatch ${command.join(' ')}`), `${command.join(' ')} ${flag}`);
      assert.equal(r.stderr, '');
    }
  }
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  for (const command of COMMANDS.filter((c) => c[0] !== 'rules' || c.length === 2)) assert.match(top.stdout, new RegExp(`\\n  ${command.join(' ')}`));
});

test('kernwatch --version and kernwatch version print the package version', async () => {
  for (const args of [['--version'], ['version']]) {
    const r = await runCli(args);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `kernwatch ${PACKAGE.version}\n`);
  }
});

test('a usage error is one line saying what is wrong, then the usage, exit 2', async () => {
  const cases: Array<[string[], string]> = [
    [['rules', 'check', '--bogus', 'x'], "kernwatch: unknown option '--bogus'"],
    [['rules', 'test', '--expect', 'x.yaml', 'rules/'], 'kernwatch: --expect needs --replay'],
    [['record', 'process.fork', '--duration', '1s'], 'kernwatch: record: -o FILE is required'],
    [['frobnicate'], "kernwatch: unknown command 'frobnicate'"],
    [['lsp', '--tcp'], "kernwatch: unknown option '--tcp'"],
    [['rules', 'frob'], "kernwatch: rules: unknown subcommand 'frob'"],
    [['tail', 'no.such'], "kernwatch: unknown event 'no.such' (see 'kernwatch events')"],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, { timeoutMs: 10_000 });
    assert.equal(r.code, 2, args.join(' '));
    const [first, second] = r.stderr.split('\n');
    assert.equal(first, message);
    assert.match(second ?? '', /^usage: kernwatch /, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('file problems are sentences with the path', async () => {
  const replay = await runCli(['rules', 'test', 'rules/', '--replay', '/nonexistent/events.jsonl']);
  assert.equal(replay.code, 1);
  assert.equal(replay.stderr, 'kernwatch: /nonexistent/events.jsonl: cannot read the recording: no such file\n');
  const expect = await runCli(['rules', 'test', 'rules/', '--replay', 'rules/tests/prod_oom.events.jsonl', '--expect', 'rules/tests']);
  assert.equal(expect.code, 1);
  assert.equal(expect.stderr, 'kernwatch: rules/tests: the expectation file is not a regular file (a directory)\n');
});

test('rules fmt --check shows the diff and changes nothing; rules fmt says what it changed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-fmt-'));
  try {
    const file = path.join(dir, 'a.rules');
    const text = 'rule "x" {\nwhen oom.victim   then stdout }\n';
    fs.writeFileSync(file, text);
    const check = await runCli(['rules', 'fmt', '--check', file]);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /^-when oom\.victim {3}then stdout }$/m);
    assert.match(check.stdout, /^\+ {2}when oom\.victim$/m);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    const fmt = await runCli(['rules', 'fmt', file]);
    assert.equal(fmt.stdout, `${file}: formatted\n1 of 1 file changed\n`);
    const again = await runCli(['rules', 'fmt', '--check', file]);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
