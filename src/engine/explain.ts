/**
 * `kernwatch rules explain`: per rule, where each term of its condition is
 * decided (kernel map, kernel count, userspace) and the exact map entries the
 * compiler produced for it. A rule that ships every event of a high-rate
 * kind to userspace gets a warning with what that costs.
 */
import type { KernelPlan, SelectionPlan } from './kernel_plan';

const hex = (n: bigint): string => `0x${n.toString(16)}`;

function entriesFor(plan: KernelPlan, s: SelectionPlan, pathOf: (id: bigint) => string | undefined): string[] {
  const mask = 1n << BigInt(s.bit);
  const k = plan.kernel;
  const lines: string[] = [];
  const kf = k.kinds.get(s.spec.kind);
  if (kf) {
    const dims = (['byCgroup', 'exceptCgroup', 'byComm', 'exceptComm', 'byUid', 'byThreshold', 'counted'] as const).filter((d) => (kf[d] & mask) !== 0n);
    lines.push(`kind_filters[${s.spec.kind}] (${s.spec.name}): rules ${hex(kf.rules)}${dims.length ? `, ${dims.join(', ')}` : ''}`);
  }
  for (const [id, e] of k.cgroups) {
    if ((e.match & mask) !== 0n) lines.push(`cgroup_rules[${id} ${pathOf(id) ?? '?'}]: matches now`);
    if ((e.reject & mask) !== 0n) lines.push(`cgroup_rules[${id} ${pathOf(id) ?? '?'}]: an exception now`);
  }
  for (const [comm, m] of k.comms) {
    if ((m.accept & mask) !== 0n) lines.push(`comm_rules[${JSON.stringify(comm)}]`);
    if ((m.reject & mask) !== 0n) lines.push(`comm_rules[${JSON.stringify(comm)}]: an exception`);
  }
  k.commPatterns.forEach((p, slot) => {
    const glob = p.match === 'prefix' ? `${p.text}*` : `*${p.text}`;
    if ((p.accept & mask) !== 0n) lines.push(`comm_patterns[${slot}] ${JSON.stringify(glob)}`);
    if ((p.reject & mask) !== 0n) lines.push(`comm_patterns[${slot}] ${JSON.stringify(glob)}: an exception`);
  });
  for (const [uid, m] of k.uids) if ((m & mask) !== 0n) lines.push(`uid_rules[${uid}]`);
  for (const t of k.thresholds)
    if (t.rule === s.bit) lines.push(`thresholds: kind ${t.kind} bytes ${t.offset}+${t.size} ${t.signed ? 'signed' : 'unsigned'} ${t.cmp} ${t.value}`);
  if (s.aggregate) {
    const { sum, max } = s.aggregate;
    const field = sum ? `, sum bytes ${sum.offset}+${sum.size}` : max ? `, max of bytes ${max.offset}+${max.size} per tick` : '';
    lines.push(`rule_aggs[${s.bit}] = group by ${s.aggregate.groupBy}${field}; counts[${s.bit}, group]`);
  }
  return lines;
}

export interface HostRates {
  /** tasks created per second on this host, averaged since boot (/proc/stat `processes`) */
  readonly forksPerSecond?: number;
}

function shippingWarning(s: SelectionPlan, host: HostRates): string | undefined {
  if (!s.spec.highRate || s.counted || s.placements.some((p) => p.tier === 'kernel')) return undefined;
  const here =
    s.spec.family === 'process' && host.forksPerSecond !== undefined
      ? `; this host has averaged ${host.forksPerSecond.toFixed(1)} forks a second since boot`
      : '';
  return `    warning: every ${s.spec.name} is sent to userspace, one record each (${s.spec.burst ?? 'thousands a second in bursts'}${here}); a condition the kernel can decide (a cgroup glob, a comm name, prefix or suffix, a uid or a threshold; exceptions only on comms or cgroup globs) or a count, rate, sum or max window keeps them in the kernel`;
}

export function explainPlan(plan: KernelPlan, pathOf: (id: bigint) => string | undefined, host: HostRates = {}): string {
  const out: string[] = [];
  let current = '';
  for (const s of plan.selections) {
    if (s.rule.name !== current) {
      current = s.rule.name;
      out.push(`rule ${s.rule.name}  (${s.rule.file}:${s.rule.range.start.line}, ${s.rule.kind} rule)`);
    }
    const tier = s.counted
      ? 'counted in the kernel: no records'
      : s.placements.some((p) => p.tier === 'kernel')
        ? 'filtered in the kernel'
        : 'every event of the kind reaches userspace';
    out.push(`  ${s.role === 'event' || s.role === 'window' ? '' : `${s.role}: `}${s.spec.name}  bit ${s.bit}  ${tier}`);
    const warning = shippingWarning(s, host);
    if (warning) out.push(warning);
    for (const p of s.placements) out.push(`    ${p.tier.padEnd(12)} ${p.term}\n                 ${p.detail}`);
    if (s.placements.length === 0) out.push('    (no condition: every event of the kind)');
    for (const line of entriesFor(plan, s, pathOf)) out.push(`    map  ${line}`);
  }
  out.push(`attach: ${plan.events.join(', ')}`);
  return `${out.join('\n')}\n`;
}
