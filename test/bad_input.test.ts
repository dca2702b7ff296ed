/**
 * Input that used to hang, swamp or crash kernwatch: every case ends in
 * bounded time with one located line per problem, exit 1, no stack trace.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/run_cli';

function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-bad-'));
  return body(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

function assertClean(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('a rule path that is a FIFO or a device is refused at once, not read', async () => {
  await withDir(async (dir) => {
    const fifo = path.join(dir, 'a.rules');
    execFileSync('mkfifo', [fifo]);
    assertClean(await runCli(['rules', 'check', fifo], { timeoutMs: 10_000 }), /a\.rules: not a regular file or a directory\n$/);
    assertClean(await runCli(['rules', 'check', '/dev/zero'], { timeoutMs: 10_000 }), /^kernwatch: \/dev\/zero: not a regular file or a directory\n$/);
  });
});

test('a rule file over 1 MiB is refused by its size, before it is parsed', async () => {
  await withDir(async (dir) => {
    const big = path.join(dir, 'big.rules');
    fs.writeFileSync(big, `# ${'x'.repeat(10 * 1024 * 1024)}\n`);
    assertClean(await runCli(['rules', 'check', big], { timeoutMs: 10_000 }), /big\.rules: the rule file is 10\.0 MiB, over the limit of 1\.0 MiB\n$/);
  });
});

test('a YAML alias bomb in the config is one located line', async () => {
  await withDir(async (dir) => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [n, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
      ['g', 'f'],
    ])
      lines.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`);
    const config = path.join(dir, 'kernwatch.yaml');
    fs.writeFileSync(config, `${lines.join('\n')}\n`);
    assertClean(await runCli(['rules', 'check', '--config', config, 'rules/'], { timeoutMs: 20_000 }), /kernwatch\.yaml: YAML aliases expand too far/);
  });
});

test('a config with 100,000 unknown keys is reported in bounded time and lines: the first 50, and a count', async (t) => {
  await withDir(async (dir) => {
    const config = path.join(dir, 'kernwatch.yaml');
    fs.writeFileSync(config, Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n'));
    const started = Date.now();
    const r = await runCli(['rules', 'check', '--config', config, 'rules/'], { timeoutMs: 60_000 });
    t.diagnostic(`${Date.now() - started} ms`);
    assertClean(r, /kernwatch\.yaml:1:1: k0: unknown setting\n/);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 51);
    assert.match(lines.at(-1) ?? '', /kernwatch\.yaml: and 99950 more problems$/);
  });
});
