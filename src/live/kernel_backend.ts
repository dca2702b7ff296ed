/**
 * The kernel a session runs on: the host's, through the native addon and
 * the BPF filter maps, or a simulated one (simulated_kernel.ts) that runs
 * the same filter and count logic in TypeScript. Everything above this
 * (the record pump, decoding, cgroup paths, kernel counts, the evaluator,
 * reloads, the agent) is the same code for both, so it is tested without
 * root through the simulated kernel.
 */
import * as fs from 'node:fs';
import { CgroupPaths } from '../events/cgroup_paths';
import { missingBtf } from '../kernel/btf';
import { FilterMaps, type RuleFilters } from '../kernel/filter_maps';
import { openBpfSession, type BpfSessionHandle } from '../kernel/native';
import { canTrace } from '../kernel/privileges';

export interface KernelBackend {
  /** why programs cannot be loaded here (privileges, no BTF), with the exit code to leave with; undefined: they can */
  refusal(): { readonly message: string; readonly exitCode: number } | undefined;
  /** the cgroup hierarchies records name */
  cgroups(): CgroupPaths;
  open(ringBytes: number, urgentBytes: number, urgentKinds: number): BpfSessionHandle;
  /** the rule sets of `bpf`'s programs; `v2Mount` is where cgroup v2 is mounted, walked to install cgroup globs */
  filters(bpf: BpfSessionHandle, v2Mount: string | undefined): RuleFilters;
  /** names this boot: the monotonic clock records are stamped with starts again with another one */
  bootId(): string;
}

/** The running kernel, through the native addon. */
export const HOST_KERNEL: KernelBackend = {
  refusal() {
    if (!canTrace()) return { message: 'kernwatch needs root or CAP_BPF with CAP_PERFMON to load BPF programs', exitCode: 2 };
    const noBtf = missingBtf();
    return noBtf ? { message: noBtf, exitCode: 2 } : undefined;
  },
  cgroups: () => CgroupPaths.forHost(),
  open: openBpfSession,
  filters: (bpf, v2Mount) => new FilterMaps(bpf, v2Mount),
  bootId() {
    try {
      return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      return ''; // no procfs: every start counts as a new boot, and the wall clock bridges the gap
    }
  },
};
