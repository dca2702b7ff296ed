/**
 * The C record layouts (bpf/kernwatch.h, as compiled for BPF), the native
 * addon's view of them and the TypeScript decoder's offsets must agree
 * exactly; this is where a drift between them is caught.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { EVENTS } from '../../src/events/catalog';
import { HEADER_LAYOUT, recordLayout } from '../../src/events/layout';
import { LIMITS } from '../../src/kernel/limits';
import { SEGMENT } from '../../src/kernel/cgroup_globs';
import { KW_AGG_FN, KW_CMP, KW_COMM_MATCH, KW_GROUP_BY, MAP_STRUCTS } from '../../src/kernel/map_layouts';
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

test('the decoder header layout matches struct kw_header in the BPF object', () => {
  const header = btfStructs().get('kw_header');
  assert.ok(header, 'kw_header is in the object BTF');
  assert.deepEqual(
    HEADER_LAYOUT.members.map((m) => [m.c, m.offset]),
    offsets(header),
  );
  assert.equal(HEADER_LAYOUT.size, header.size);
});

test('every event record layout in the catalog matches its C struct member by member', () => {
  const structs = btfStructs();
  for (const e of EVENTS) {
    const c = structs.get(e.record);
    assert.ok(c, `${e.record} (${e.name}) is in the object BTF`);
    const layout = recordLayout(e.members);
    assert.deepEqual([['h', 0], ...layout.members.map((m) => [m.c, m.offset])], offsets(c), `${e.name}: members and offsets of ${e.record}`);
    assert.equal(layout.size, c.size, `${e.name}: size of ${e.record}`);
  }
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

test('the catalog kinds are exactly the enum kw_kind values of the header', () => {
  const header = fs.readFileSync(path.join(ROOT, 'bpf', 'kernwatch.h'), 'utf8');
  const body = /enum kw_kind \{([^}]*)\}/.exec(header)?.[1] ?? '';
  const values = [...body.matchAll(/(KW_\w+) = (\d+)/g)].map((m) => [m[1] as string, Number(m[2])] as const);
  const kinds = values.filter(([name]) => name !== 'KW_KIND_MAX').map(([, v]) => v);
  assert.deepEqual(
    [...kinds].sort((a, b) => a - b),
    EVENTS.map((e) => e.kind).sort((a, b) => a - b),
  );
  assert.equal(new Set(EVENTS.map((e) => e.name)).size, EVENTS.length, 'event names are unique');
  assert.equal(values.find(([name]) => name === 'KW_KIND_MAX')?.[1], Math.max(...kinds) + 1);
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

test('every map key and value TypeScript writes or reads matches its C struct member by member', () => {
  const structs = btfStructs();
  for (const [name, layout] of Object.entries(MAP_STRUCTS)) {
    const c = structs.get(name);
    assert.ok(c, `${name} is in the object BTF`);
    assert.deepEqual(
      layout.members.map((m) => [m.c, m.offset]),
      offsets(c),
      `members and offsets of ${name}`,
    );
    assert.equal(layout.size, c.size, `size of ${name}`);
  }
});

test('the enum values written into maps, and the kinds, are the enums of the compiled object', () => {
  const cmp = btfEnum('kw_cmp');
  for (const [op, value] of Object.entries(KW_CMP)) assert.equal(cmp.get(`KW_CMP_${op.toUpperCase()}`), value, `KW_CMP_${op}`);
  const groupBy = btfEnum('kw_group_by');
  for (const [by, value] of Object.entries(KW_GROUP_BY)) assert.equal(groupBy.get(`KW_GROUP_${by.toUpperCase()}`), value, `KW_GROUP_${by}`);
  const aggFn = btfEnum('kw_agg_fn');
  for (const [fn, value] of Object.entries(KW_AGG_FN)) assert.equal(aggFn.get(`KW_AGG_${fn.toUpperCase()}`), value, `KW_AGG_${fn}`);
  const commMatch = btfEnum('kw_comm_match');
  for (const [how, value] of Object.entries(KW_COMM_MATCH)) assert.equal(commMatch.get(`KW_COMM_${how.toUpperCase()}`), value, `KW_COMM_${how}`);
  const segment = btfEnum('kw_segment');
  for (const [kind, value] of Object.entries(SEGMENT)) {
    const name = `KW_SEG_${kind.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    assert.equal(segment.get(name), value, name);
  }
  const kinds = btfEnum('kw_kind');
  assert.equal(kinds.get('KW_KIND_MAX'), LIMITS.KW_KIND_MAX);
  assert.deepEqual(
    [...kinds.values()].filter((v) => v !== LIMITS.KW_KIND_MAX).sort((a, b) => a - b),
    EVENTS.map((e) => e.kind).sort((a, b) => a - b),
  );
});

test('the addon was built from the header whose limits TypeScript uses', () => {
  assert.deepEqual(nativeAddon().constants(), LIMITS);
});
