/**
 * The language server's rule sets on a clock the test moves: closed files
 * changed on disk (a `git pull`) are read again at an edit once
 * DISK_CHECK_MS has passed since the disk was last looked at, not before.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DISK_CHECK_MS, Workspace, type RuleSet } from '../../src/lsp/workspace';

const CONFIG = `notifiers:
  oncall:
    type: webhook
    url: http://127.0.0.1:9/hook
    secret: not-a-real-secret
rules: [rules]
`;
const LIB = 'let prod = cgroup matches "/prod/**"\n';
const OOM = 'rule "prod-oom" {\n  when oom.victim and prod\n  then oncall\n}\n';

test('a closed file changed on disk (a git pull) is read again at the first edit a second after the disk was last looked at', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-lsp-ws-'));
  try {
    fs.mkdirSync(path.join(dir, 'rules'));
    fs.writeFileSync(path.join(dir, 'kernwatch.yaml'), CONFIG);
    const lib = path.join(dir, 'rules', 'lib.rules');
    const oom = path.join(dir, 'rules', 'oom.rules');
    fs.writeFileSync(lib, LIB);
    fs.writeFileSync(oom, OOM);
    let now = 0;
    const workspace = new Workspace(() => now);
    const messages = (set: RuleSet): string[] => set.checker.check().diagnostics.map((d) => d.message);

    assert.deepEqual(messages(workspace.edit(oom, OOM)), []);
    fs.writeFileSync(lib, LIB.replace('let prod', 'let production'));
    now += DISK_CHECK_MS - 1;
    assert.deepEqual(messages(workspace.edit(oom, `${OOM}\n`)), [], 'the disk was looked at less than a second ago');
    now += 1;
    assert.deepEqual(messages(workspace.edit(oom, OOM)), ["unknown field or let 'prod' on oom.victim"]);

    fs.writeFileSync(lib, LIB);
    now += DISK_CHECK_MS;
    assert.deepEqual(messages(workspace.edit(oom, `${OOM}\n`)), [], 'and again after the next pull');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
