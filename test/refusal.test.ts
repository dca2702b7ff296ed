/**
 * The one line a user sees when the kernel refuses a program: the verifier's
 * reason, not its instruction dump, and not cut off. The logs are shaped as
 * libbpf 1.1 prints them (a verifier log between BEGIN/END markers, then its
 * own summary lines).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingBtf } from '../src/kernel/btf';
import { refusalMessage, verifierReason } from '../src/kernel/refusal';

const exitOn612 = `libbpf: prog 'handle__sched_process_exit': BPF program load failed: Permission denied
libbpf: prog 'handle__sched_process_exit': -- BEGIN PROG LOAD LOG --
reg type unsupported for arg#0 function handle__sched_process_exit#53
0: R1=ctx(off=0,imm=0) R10=fp0
; int BPF_PROG(handle__sched_process_exit, struct task_struct *p, bool group_dead)
0: (79) r7 = *(u64 *)(r1 +8)
func 'sched_process_exit' doesn't have 2-th argument
invalid bpf_context access off=8 size=8
processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
-- END PROG LOAD LOG --
libbpf: prog 'handle__sched_process_exit': failed to load: -13
libbpf: failed to load object 'kernwatch_bpf'
`;

test('the verifier reason is the last lines that are not instructions or state', () => {
  const reason = verifierReason({ name: 'handle__sched_process_exit', errno: 13, log: exitOn612 });
  assert.equal(reason, "func 'sched_process_exit' doesn't have 2-th argument; invalid bpf_context access off=8 size=8");
});

test('a CO-RE relocation libbpf could not resolve is named, past a long instruction dump', () => {
  const dump = Array.from({ length: 3000 }, (_, i) => `${i}: (bf) r${i % 10} = r1 ; R1_w=ctx(off=0,imm=0)`).join('\n');
  const log = `libbpf: prog 'handle__mark_victim': -- BEGIN PROG LOAD LOG --
${dump}
3000: <invalid CO-RE relocation>
failed to resolve CO-RE relocation <byte_off> [78] struct mm_struct.rss_stat[0].count (0:74:0:1 @ offset 1160)
processed 3001 insns (limit 1000000) max_states_per_insn 1 total_states 40 peak_states 40 mark_read 5
-- END PROG LOAD LOG --
libbpf: prog 'handle__mark_victim': failed to load: -22
`;
  const reason = verifierReason({ name: 'handle__mark_victim', errno: 22, log }, 1);
  assert.equal(reason, 'failed to resolve CO-RE relocation <byte_off> [78] struct mm_struct.rss_stat[0].count (0:74:0:1 @ offset 1160)');
});

test('without a verifier log, what libbpf said about the program is the reason', () => {
  const log = `libbpf: prog 'handle__sched_process_hang': BPF program load failed: Invalid argument
libbpf: prog 'handle__sched_process_hang': -- BEGIN PROG LOAD LOG --
number of funcs in func_info doesn't match number of subprogs
-- END PROG LOAD LOG --
libbpf: prog 'handle__sched_process_hang': failed to load: -22
`;
  assert.equal(
    refusalMessage({ name: 'handle__sched_process_hang', errno: 22, log }),
    "the kernel refused handle__sched_process_hang: number of funcs in func_info doesn't match number of subprogs",
  );
  const bare = "libbpf: prog 'handle__x': failed to relocate calls: -2\nlibbpf: prog 'handle__x': failed to load: -2\n";
  assert.equal(verifierReason({ name: 'handle__x', errno: 2, log: bare }), 'failed to relocate calls: -2');
  assert.equal(verifierReason({ name: 'handle__x', errno: 2, log: '' }), 'load failed with errno 2');
});

test('a kernel without BTF is one line that names the file and the kernel option', () => {
  assert.equal(
    missingBtf('/nonexistent/vmlinux')?.startsWith(
      'this kernel has no BTF (/nonexistent/vmlinux): kernwatch needs a kernel built with CONFIG_DEBUG_INFO_BTF=y',
    ),
    true,
  );
  assert.equal(missingBtf('/proc/self/status'), undefined);
});
