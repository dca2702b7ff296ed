#!/usr/bin/env node
/**
 * Writes the two views of bpf/kernwatch.h that other languages need, from
 * the header as clang compiles it for BPF (as bpf2go does): every struct's
 * members, types, offsets and size and every enum from the BTF of a small
 * object that names them all, and the header's numeric #defines from clang's
 * preprocessor.
 *
 *   src/kernel/kernwatch_h.ts          what TypeScript reads and writes
 *   native/src/kernwatch_h_layout.h    static_asserts that the host compiler
 *                                      places every member where BPF does
 *
 * Both are committed, so that `make test-unit` needs no clang. With --check
 * nothing is written: it fails, naming the file, when a committed file
 * differs from what the header gives (make lint runs it).
 *
 * Needs clang, bpftool, clang-format and the project's prettier.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const HEADER = path.join(ROOT, 'bpf', 'kernwatch.h');
const TS_OUT = path.join(ROOT, 'src', 'kernel', 'kernwatch_h.ts');
const C_OUT = path.join(ROOT, 'native', 'src', 'kernwatch_h_layout.h');
const check = process.argv.includes('--check');

function fail(message) {
  process.stderr.write(`gen-layouts: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, input) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.code === 'ENOENT') fail(`${cmd} is not installed (./scripts/install-deps.sh installs it)`);
    fail(`${cmd} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

const header = fs.readFileSync(HEADER, 'utf8');
const structNames = [...header.matchAll(/^struct (kw_\w+) \{/gm)].map((m) => m[1]);
const enumNames = [...header.matchAll(/^enum (kw_\w+) \{/gm)].map((m) => m[1]);

/* ---- the header compiled for BPF, and its BTF ---------------------------- */

// the fixed-width types the header uses, without <linux/types.h> (which a
// BPF target cannot find on multiarch Debian); BTF keeps their names
const TYPEDEFS = `
typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef signed short __s16;
typedef unsigned int __u32;
typedef signed int __s32;
typedef unsigned long long __u64;
typedef signed long long __s64;
`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-layouts-'));
let btf;
try {
  const source = path.join(dir, 'layouts.c');
  fs.writeFileSync(
    source,
    [
      TYPEDEFS,
      '#include "kernwatch.h"',
      ...structNames.map((s) => `struct ${s} *kw_struct_${s};`),
      ...enumNames.map((e) => `enum ${e} kw_enum_${e};`),
      '',
    ].join('\n'),
  );
  const object = path.join(dir, 'layouts.o');
  run('clang', ['-target', 'bpf', '-g', '-O0', '-c', source, '-I', path.dirname(HEADER), '-o', object]);
  btf = JSON.parse(run('bpftool', ['-j', 'btf', 'dump', 'file', object])).types;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
const byId = new Map(btf.map((t) => [t.id, t]));

/* ---- #defines ------------------------------------------------------------ */

/** The value of a numeric macro body such as `16`, `(1u << 1)` or `(~0ULL)`, as a u64. */
function macroValue(body) {
  const js = body.replace(/\b(0x[0-9a-fA-F]+|\d+)[uUlL]*\b/g, '$1n');
  if (!/^[\s\dxa-fA-FnN()~|&<>+\-*]*$/.test(js)) return undefined;
  return BigInt.asUintN(64, Function(`"use strict"; return (${js});`)());
}

const defines = [];
for (const line of run('clang', ['-target', 'bpf', '-E', '-dM', '-x', 'c', HEADER]).split('\n')) {
  const m = /^#define (KW_\w+) (.+)$/.exec(line);
  if (!m) continue;
  const value = macroValue(m[2]);
  if (value === undefined) fail(`#define ${m[1]} ${m[2]}: not a number this script can read`);
  defines.push([m[1], value]);
}
// in the header's order, which groups them by meaning
const definedAt = (name) => header.indexOf(`#define ${name} `);
defines.sort((a, b) => definedAt(a[0]) - definedAt(b[0]));
const defineValue = new Map(defines);

/* ---- types --------------------------------------------------------------- */

// char arrays are the header's three string lengths, named as src/kernel/c_layout.ts names them
const STRINGS = new Map([
  [Number(defineValue.get('KW_COMM_LEN')), 'comm'],
  [Number(defineValue.get('KW_PATH_LEN')), 'path'],
  [Number(defineValue.get('KW_SEGMENT_LEN')), 'segment'],
]);

function typeName(id, where) {
  const t = byId.get(id);
  if (t.kind === 'TYPEDEF' && /^__[us](8|16|32|64)$/.test(t.name)) return t.name.slice(2);
  if (t.kind === 'ARRAY' && byId.get(t.type_id).name === 'char' && STRINGS.has(t.nr_elems)) return STRINGS.get(t.nr_elems);
  if (t.kind === 'STRUCT') return `struct ${t.name}`;
  fail(`${where}: a type this script does not map (${t.kind} ${t.name}${t.nr_elems ? `[${t.nr_elems}]` : ''}); use __uN/__sN or char[KW_*_LEN]`);
}

function sizeOf(id) {
  const t = byId.get(id);
  if (t.kind === 'TYPEDEF') return sizeOf(t.type_id);
  if (t.kind === 'ARRAY') return t.nr_elems * sizeOf(t.type_id);
  return t.size;
}

const structs = structNames.map((name) => {
  const t = btf.find((x) => x.kind === 'STRUCT' && x.name === name);
  if (!t) fail(`struct ${name} is not in the BTF`);
  const members = t.members.map((m) => {
    if (m.bits_offset % 8 !== 0 || m.bitfield_size) fail(`${name}.${m.name}: bit fields are not supported`);
    return { name: m.name, type: typeName(m.type_id, `${name}.${m.name}`), offset: m.bits_offset / 8, size: sizeOf(m.type_id) };
  });
  return { name, size: t.size, members };
});

const enums = enumNames.map((name) => {
  const t = btf.find((x) => x.kind === 'ENUM' && x.name === name);
  if (!t) fail(`enum ${name} is not in the BTF`);
  return { name, values: t.values.map((v) => [v.name, v.val]) };
});

/* ---- the outputs ---------------------------------------------------------- */

const GENERATED = 'Generated from bpf/kernwatch.h by scripts/gen-layouts.mjs (`make layouts`): do not edit.';

function typescript() {
  const lines = [
    `/**`,
    ` * ${GENERATED}`,
    ` * The header as clang compiles it for BPF: every #define, enum and struct,`,
    ` * members in C order with their offsets. \`make lint\` fails when this file`,
    ` * differs from what the header gives.`,
    ` */`,
    ``,
    `/** Numeric #defines; KW_PFN_UNKNOWN and the other 64-bit ones as bigint. */`,
    `export const KW_DEFINES = {`,
    ...defines.map(([n, v]) => `  ${n}: ${v > BigInt(Number.MAX_SAFE_INTEGER) ? `0x${v.toString(16)}n` : v.toString()},`),
    `} as const;`,
    ``,
    `export const KW_ENUMS = {`,
    ...enums.flatMap((e) => [`  ${e.name}: {`, ...e.values.map(([n, v]) => `    ${n}: ${v},`), `  },`]),
    `} as const;`,
    ``,
    `/** A member's type: a fixed-width integer, a char array of one of the header's string lengths, or a struct. */`,
    `export type KwType = 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32' | 'u64' | 's64' | 'comm' | 'path' | 'segment' | \`struct \${string}\`;`,
    ``,
    `export interface KwMember {`,
    `  readonly name: string;`,
    `  readonly type: KwType;`,
    `  readonly offset: number;`,
    `  readonly size: number;`,
    `}`,
    ``,
    `export interface KwStruct {`,
    `  readonly size: number;`,
    `  readonly members: readonly KwMember[];`,
    `}`,
    ``,
    `export const KW_STRUCTS = {`,
    ...structs.flatMap((s) => [
      `  ${s.name}: {`,
      `    size: ${s.size},`,
      `    members: [`,
      ...s.members.map((m) => `      { name: '${m.name}', type: '${m.type}', offset: ${m.offset}, size: ${m.size} },`),
      `    ],`,
      `  },`,
    ]),
    `} as const satisfies Record<string, KwStruct>;`,
    ``,
    `export type KwStructName = keyof typeof KW_STRUCTS;`,
    ``,
  ];
  return run(path.join(ROOT, 'node_modules', '.bin', 'prettier'), ['--stdin-filepath', TS_OUT], lines.join('\n'));
}

function native() {
  const lines = [
    `/* ${GENERATED} */`,
    `/*`,
    ` * Where clang -target bpf placed every member of every struct of the header;`,
    ` * the host compiler must place them the same, or the addon does not build.`,
    ` */`,
    `#ifndef KERNWATCH_H_LAYOUT_H`,
    `#define KERNWATCH_H_LAYOUT_H`,
    ``,
    `#include <cstddef>`,
    ``,
    `#include "kernwatch.h"`,
    ``,
    `/* every struct of the header, for X-macros */`,
    `// clang-format off`,
    `#define KW_STRUCTS(X) \\`,
    ...structs.map((s, i) => `  X(${s.name})${i < structs.length - 1 ? ' \\' : ''}`),
    `// clang-format on`,
    ``,
    ...structs.flatMap((s) => [
      `static_assert(sizeof(struct ${s.name}) == ${s.size}, "sizeof(struct ${s.name})");`,
      ...s.members.map((m) => `static_assert(offsetof(struct ${s.name}, ${m.name}) == ${m.offset}, "${s.name}.${m.name}");`),
    ]),
    ``,
    `#endif /* KERNWATCH_H_LAYOUT_H */`,
    ``,
  ];
  return run('clang-format', ['--assume-filename', C_OUT], lines.join('\n'));
}

let stale = 0;
for (const [file, text] of [
  [TS_OUT, typescript()],
  [C_OUT, native()],
]) {
  const relative = path.relative(ROOT, file);
  const now = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  if (now === text) continue;
  if (check) {
    process.stderr.write(`gen-layouts: ${relative} differs from what bpf/kernwatch.h gives: run \`make layouts\` and commit it\n`);
    stale++;
  } else {
    fs.writeFileSync(file, text);
    process.stdout.write(`gen-layouts: wrote ${relative}\n`);
  }
}
if (stale) process.exit(1);
