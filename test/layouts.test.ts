/**
 * bpf/kernwatch.h is the one definition of the records and map entries:
 * src/kernel/kernwatch_h.ts is generated from it, and the catalog's members
 * and kinds are held to that, name by name, without a BPF build.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { EVENTS } from '../src/events/catalog';
import { recordLayout, recordMembers } from '../src/events/layout';
import type { EventSpec } from '../src/events/types';
import { KW_ENUMS } from '../src/kernel/kernwatch_h';

const ROOT = path.resolve(__dirname, '..', '..');

function has(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}
const NO_CLANG = has('clang') && has('bpftool') && has('clang-format') ? false : 'needs clang, bpftool and clang-format (./scripts/install-deps.sh)';

test('the committed src/kernel/kernwatch_h.ts and native/src/kernwatch_h_layout.h are what clang makes of bpf/kernwatch.h', { skip: NO_CLANG }, () => {
  // throws, printing the stale file, when they differ
  execFileSync('node', [path.join(ROOT, 'scripts', 'gen-layouts.mjs'), '--check'], { stdio: 'pipe' });
});

test("every event's members are its C struct's, name by name and type by type", () => {
  for (const e of EVENTS) assert.doesNotThrow(() => recordMembers(e), e.name);
});

test('a catalog whose members differ from the header in name, type or order is refused, naming both lists', () => {
  const exit = EVENTS.find((e) => e.name === 'process.exit') as EventSpec;
  const [a, b, ...rest] = exit.members;
  const swapped = { ...exit, members: [b, a, ...rest] as EventSpec['members'] };
  assert.throws(() => recordLayout(swapped), /struct kw_exit \[s32 prio, s32 exit_code, .*\] are not bpf\/kernwatch\.h's \[s32 exit_code, s32 prio/);
  const retyped = { ...exit, members: exit.members.map((m) => (m.c === 'age_ns' ? { ...m, ctype: 'u32' as const } : m)) };
  assert.throws(() => recordLayout(retyped), /u32 age_ns/);
  assert.throws(() => recordLayout({ ...exit, record: 'kw_nothing' }), /struct kw_nothing, which bpf\/kernwatch.h does not define/);
});

/** The kinds each BPF program of bpf/kernwatch.bpf.c emits, read from its body. */
function kindsEmitted(): Map<string, Set<string>> {
  const source = fs.readFileSync(path.join(ROOT, 'bpf', 'kernwatch.bpf.c'), 'utf8');
  const emitted = new Map<string, Set<string>>();
  for (const m of source.matchAll(/^int (?:BPF_PROG\()?(handle__\w+)[^]*?^\}/gm)) {
    const kinds = [...m[0].matchAll(/\bKW_(?:OOM|PCPU|CGROUP|MIGRATE|PROC)_[A-Z_]+\b/g)].map((k) => k[0]);
    emitted.set(m[1] as string, new Set(kinds));
  }
  return emitted;
}

test("every kind of enum kw_kind is one event's, and that event's programs emit that kind and no other", () => {
  const kinds = Object.entries(KW_ENUMS.kw_kind).filter(([name]) => name !== 'KW_KIND_MAX');
  const nameOf = new Map(kinds.map(([name, value]) => [value as number, name]));
  assert.deepEqual(
    EVENTS.map((e) => e.kind).sort((x, y) => x - y),
    kinds.map(([, v]) => v as number).sort((x, y) => x - y),
    'one event per kind',
  );
  const emitted = kindsEmitted();
  for (const e of EVENTS) {
    for (const program of [e.program, ...(e.fallback ? [e.fallback.program] : [])]) {
      assert.deepEqual([...(emitted.get(program) ?? [])], [nameOf.get(e.kind)], `${e.name}: ${program} emits ${nameOf.get(e.kind)}`);
    }
  }
  assert.equal(KW_ENUMS.kw_kind.KW_KIND_MAX, Math.max(...EVENTS.map((e) => e.kind)) + 1);
});
