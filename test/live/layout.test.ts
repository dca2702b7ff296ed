/**
 * What scripts/gen-layouts.mjs made of bpf/kernwatch.h (src/kernel/kernwatch_h.ts)
 * is what the BPF object the agent loads was compiled to, and the addon was
 * built from the same header. The catalog is held to the generated file
 * without root by test/layouts.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { EVENTS } from '../../src/events/catalog';
import { KW_ENUMS, KW_STRUCTS } from '../../src/kernel/kernwatch_h';
import { LIMITS } from '../../src/kernel/limits';
import { MAP_STRUCTS } from '../../src/kernel/map_layouts';
import { nativeAddon } from '../../src/kernel/native';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const OBJECT = path.join(ROOT, 'bpf', '.output', 'kernwatch.bpf.o');

interface BtfMember {
  name: string;
  bits_offset: number;
}
interface BtfType {
  kind: string;
  name: string;
  size?: number;
  members?: BtfMember[];
}

function btfStructs(): Map<string, BtfType> {
  const json = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', OBJECT], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const types = (JSON.parse(json) as { types: BtfType[] }).types;
  return new Map(types.filter((t) => t.kind === 'STRUCT').map((t) => [t.name, t]));
}

function offsets(t: BtfType): Array<[string, number]> {
  return (t.members ?? []).map((m) => [m.name, m.bits_offset / 8]);
}

test('every struct of src/kernel/kernwatch_h.ts is in the BPF object as generated, member by member', () => {
  const structs = btfStructs();
  for (const [name, generated] of Object.entries(KW_STRUCTS)) {
    const c = structs.get(name);
    if (!c) continue; // a struct no program uses is not in the object; the generator compiled it from the header
    assert.deepEqual(
      generated.members.map((m) => [m.name, m.offset]),
      offsets(c),
      `members and offsets of ${name}`,
    );
    assert.equal(generated.size, c.size, `size of ${name}`);
  }
  for (const e of EVENTS) assert.ok(structs.has(e.record), `${e.record} (${e.name}) is in the object BTF`);
  for (const name of Object.keys(MAP_STRUCTS)) assert.ok(structs.has(name), `${name} is in the object BTF`);
});

test('the native addon was compiled with the same record sizes as the BPF object', () => {
  const structs = btfStructs();
  for (const [name, size] of Object.entries(nativeAddon().recordSizes())) {
    assert.equal(size, structs.get(name)?.size, `sizeof(struct ${name})`);
  }
});

test('the catalog and the BPF object name the same programs and tracepoints', () => {
  const bpf = new (nativeAddon().BpfSession)();
  try {
    const programs = bpf.programs();
    const inObject = new Map(programs.map((p) => [p.name, p.tracepoint]));
    for (const e of EVENTS) {
      assert.equal(inObject.get(e.program), e.tracepoint.split('/')[1], `${e.name} -> ${e.program}`);
      if (e.fallback) assert.equal(inObject.get(e.fallback.program), e.tracepoint.split('/')[1], `${e.name} -> ${e.fallback.program}`);
    }
    const used = new Set(EVENTS.flatMap((e) => [e.program, ...(e.fallback ? [e.fallback.program] : [])]));
    assert.deepEqual(
      programs.filter((p) => !used.has(p.name)).map((p) => p.name),
      [],
      'programs no event uses',
    );
  } finally {
    bpf.close();
  }
});

interface BtfEnum {
  kind: string;
  name: string;
  values?: Array<{ name: string; val: number }>;
}

function btfEnum(name: string): Map<string, number> {
  const json = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', OBJECT], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const found = (JSON.parse(json) as { types: BtfEnum[] }).types.find((t) => t.kind === 'ENUM' && t.name === name);
  assert.ok(found, `enum ${name} is in the object BTF`);
  return new Map((found.values ?? []).map((v) => [v.name, v.val]));
}

test('every enum of src/kernel/kernwatch_h.ts has the values of the compiled object, name by name', () => {
  for (const [name, values] of Object.entries(KW_ENUMS)) {
    assert.deepEqual(Object.fromEntries(btfEnum(name)), values, `enum ${name}`);
  }
});

test('the addon was built from the header whose limits TypeScript uses', () => {
  assert.deepEqual(nativeAddon().constants(), LIMITS);
});
