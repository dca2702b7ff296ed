/** A short python3 process that names itself `comm` (prctl) first, so kernel events carry that comm. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function runNamed(comm: string, script: string, status = 0): void {
  const named = `import ctypes; ctypes.CDLL(None).prctl(15, ${JSON.stringify(comm)}.encode(), 0, 0, 0)\n${script}`;
  const r = spawnSync('python3', ['-c', named], { timeout: 60_000 });
  assert.equal(r.status, status, r.stderr?.toString());
}
