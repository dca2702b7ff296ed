/** Rules from text and synthetic events, for engine tests that need no kernel. */
import assert from 'node:assert/strict';
import { checkRuleSources, type CheckedRule } from '../../src/dsl';
import type { FieldValue, KernelEvent } from '../../src/events/event';

export function rulesFrom(text: string): CheckedRule[] {
  const result = checkRuleSources([{ file: 'test.rules', text }]);
  assert.deepEqual(
    result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
    'the test rules check',
  );
  return [...result.rules];
}

const BASE: Record<string, FieldValue> = { pid: 100, tgid: 100, uid: 0, comm: 'app', cpu: 0, cgroup: '/prod/api', cgroup_id: 77n };

export function ev(name: string, time: number, fields: Record<string, FieldValue> = {}): KernelEvent {
  return { name, monoNs: BigInt(time) * 1_000_000n, time, rules: 0n, generation: 0, truncated: false, fields: { ...BASE, ...fields } };
}
