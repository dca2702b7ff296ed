/** What several benchmarks set up alike: the shipped rules/ with generated rules beside them, and the agent's HTTP endpoints. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRuleFiles } from '../../src/dsl';
import { ROOT } from './side_by_side';

/** A temporary copy of rules/ plus `n` rules that `rule(i)` writes, in generated.rules (none when n is 0). */
export function generatedRuleDir(n: number, rule: (i: number) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kw-bench-rules-${n}-`));
  for (const f of findRuleFiles([path.join(ROOT, 'rules')])) fs.copyFileSync(f, path.join(dir, path.basename(f)));
  if (n > 0) fs.writeFileSync(path.join(dir, 'generated.rules'), `${Array.from({ length: n }, (_, i) => rule(i)).join('\n')}\n`);
  return dir;
}

/** GET on the agent's loopback port: status 0 when nothing answers. */
export function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', () => resolve({ status: 0, body: '' }));
  });
}
