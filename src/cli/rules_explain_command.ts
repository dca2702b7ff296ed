/** `kernwatch rules explain [--config FILE] PATH...`: no root needed. */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CgroupPaths } from '../events/cgroup_paths';
import { explainPlan } from '../engine/explain';
import { planKernel } from '../engine/kernel_plan';
import { loadRules } from './load_rules';

export function rulesExplainCommand(args: readonly string[]): number {
  const { values, positionals } = parseArgs({ args: [...args], options: { config: { type: 'string' } }, allowPositionals: true, strict: true });
  const loaded = loadRules(positionals, values.config);
  if (!loaded) return 1;
  const cgroups = CgroupPaths.forHost();
  const tree = cgroups.tree(0);
  const paths = new Map(tree);
  process.stdout.write(explainPlan(planKernel(loaded.rules, tree), (id) => paths.get(id), { ...forkRate() }));
  return 0;
}

/** Tasks created per second since boot, from /proc: what shipping every process event would cost here. */
function forkRate(): { forksPerSecond?: number } {
  try {
    const forks = Number(/^processes (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
    const uptime = Number.parseFloat(fs.readFileSync('/proc/uptime', 'utf8'));
    return Number.isFinite(forks) && uptime > 0 ? { forksPerSecond: forks / uptime } : {};
  } catch {
    return {};
  }
}
