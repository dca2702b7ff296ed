/**
 * kernwatch's programs are CO-RE: every field offset is relocated against
 * the running kernel's BTF at load time, and tp_btf programs attach through
 * it. A kernel built without CONFIG_DEBUG_INFO_BTF cannot run any of them.
 */
import * as fs from 'node:fs';

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

/** The one line for a kernel without BTF; undefined when it has it. */
export function missingBtf(file = VMLINUX_BTF): string | undefined {
  return fs.existsSync(file)
    ? undefined
    : `this kernel has no BTF (${file}): kernwatch needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (every Debian, Ubuntu, RHEL and Fedora kernel since 2021 is)`;
}
