/**
 * `kernwatch rules check` and `rules fmt` as a user runs them: exit
 * statuses, one located line per error, never a stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { REPO, RULES_DIR } from './helpers';

const BIN = path.join(REPO, 'bin/kernwatch');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-rules-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('kernwatch rules', () => {
  it('check passes on the rules/ library', () => {
    const r = run('rules', 'check', RULES_DIR);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^\d+ rules in \d+ files: ok\n$/);
  });

  it('check walks directories for *.rules only and reports every error with file:line:col and a caret', () => {
    const dir = tempDir({
      'a.rules': 'when oom.victim and pidd == 1 then stdout\n',
      'sub/b.rules': 'when process.hang then stdout\nwhen oom.victm then stdout\n',
      'notes.txt': 'not a rule file',
    });
    const r = run('rules', 'check', dir);
    assert.equal(r.status, 1);
    const lines = r.stderr.split('\n');
    assert.equal(lines[0], `${path.join(dir, 'a.rules')}:1:21: error: unknown field 'pidd' on oom.victim (did you mean 'pid'?)`);
    assert.equal(lines[1], '  when oom.victim and pidd == 1 then stdout');
    assert.equal(lines[2], '                      ^~~~');
    assert.match(r.stderr, /sub\/b\.rules:2:6: error: unknown event 'oom.victm' \(did you mean 'oom.victim'\?\)/);
    assert.match(r.stderr, /2 errors in 2 files\n$/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('check gives garbage bytes, an empty file and deep nesting a clear answer, never a trace', () => {
    const dir = tempDir({
      'garbage.rules': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      'empty.rules': '',
      'deep.rules': `when oom.victim and ${'('.repeat(50_000)}pid == 1${')'.repeat(50_000)} then stdout\n`,
    });
    const r = run('rules', 'check', dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /garbage\.rules:\d+:\d+: error: this is not a text file/);
    assert.match(r.stderr, /empty\.rules:1:1: warning: no rules or lets in this file/);
    assert.match(r.stderr, /deep\.rules:1:85: error: nesting deeper than 64 levels/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('check with --config knows the configured notifiers', () => {
    const dir = tempDir({ 'k.yaml': '{}\n', 'a.rules': 'when oom.victim then slack\nwhen oom.victim then stdout\n' });
    const r = run('rules', 'check', '--config', path.join(dir, 'k.yaml'), path.join(dir, 'a.rules'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a\.rules:1:22: error: unknown notifier 'slack'/);
  });

  it('fmt --check fails on an unformatted file and fmt rewrites it once', () => {
    const dir = tempDir({ 'a.rules': 'when   oom.victim  and pid==1 then stdout' });
    const file = path.join(dir, 'a.rules');
    const check = run('rules', 'fmt', '--check', file);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /a\.rules: not formatted/);
    assert.equal(run('rules', 'fmt', file).status, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), 'when oom.victim and pid == 1 then stdout\n');
    const again = run('rules', 'fmt', '--check', file);
    assert.equal(again.status, 0);
    assert.equal(again.stdout, '');
  });

  it('fmt leaves a file that does not parse untouched and says why', () => {
    const dir = tempDir({ 'a.rules': 'when oom.victim then\n' });
    const r = run('rules', 'fmt', path.join(dir, 'a.rules'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a\.rules:1:21: error: expected a notifier name after 'then' but found end of file/);
    assert.equal(fs.readFileSync(path.join(dir, 'a.rules'), 'utf8'), 'when oom.victim then\n');
  });

  it('usage mistakes exit 2 with one line', () => {
    assert.equal(run('rules').status, 2);
    assert.equal(run('rules', 'lint', 'x').status, 2);
    assert.equal(run('rules', 'check', '--bogus', 'x').status, 2);
    const missing = run('rules', 'check', '/nonexistent/rules');
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'kernwatch: /nonexistent/rules: no such file or directory\n');
  });
});
