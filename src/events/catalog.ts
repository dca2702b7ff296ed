/**
 * The event catalog: the one place that names kernwatch's events, their
 * fields, types and units. The decoder, `kernwatch events` and the rule
 * checker all read it. Where its members sit, and the numbers of its kinds,
 * come from bpf/kernwatch.h through src/kernel/kernwatch_h.ts.
 */
import { KW_DEFINES, KW_ENUMS } from '../kernel/kernwatch_h';
import type { EventSpec, FieldSpec, MemberSpec } from './types';

/** enum kw_kind: each event names its kind, and the header numbers it */
const KIND = KW_ENUMS.kw_kind;

/** C members of struct kw_header, in order. */
export const HEADER_MEMBERS: readonly MemberSpec[] = [
  { c: 'kind', ctype: 'u16' },
  { c: 'size', ctype: 'u16' },
  { c: 'cpu', ctype: 'u16', field: 'cpu' },
  { c: 'flags', ctype: 'u16' },
  { c: 'ts_ns', ctype: 'u64' },
  { c: 'cgroup_id', ctype: 'u64' },
  { c: 'pid', ctype: 'u32', field: 'pid' },
  { c: 'tgid', ctype: 'u32', field: 'tgid' },
  { c: 'uid', ctype: 'u32', field: 'uid' },
  { c: '_pad', ctype: 'u32' },
  { c: 'comm', ctype: 'comm', field: 'comm' },
  { c: 'rules', ctype: 'u64' },
];

/** Fields every event has. */
export const COMMON_FIELDS: readonly FieldSpec[] = [
  { name: 'pid', type: 'number', doc: 'thread id of the task the event is about (see the event)' },
  { name: 'tgid', type: 'number', doc: 'process id of that task' },
  { name: 'uid', type: 'number', doc: 'real uid of that task' },
  { name: 'comm', type: 'string', doc: 'command name of that task (untrusted, set by the process)' },
  { name: 'cpu', type: 'number', doc: 'CPU the tracepoint fired on' },
  { name: 'cgroup', type: 'path', doc: 'cgroup path the event is about (see the event); absent if unknown' },
  { name: 'cgroup_id', type: 'id', doc: 'id of that cgroup' },
];

const MIGRATE_MODES = ['async', 'sync_light', 'sync'] as const;
const MIGRATE_REASONS = [
  'compaction',
  'memory_failure',
  'memory_hotplug',
  'syscall_or_cpuset',
  'mempolicy_mbind',
  'numa_misplaced',
  'contig_range',
  'longterm_pin',
  'demotion',
  'damon',
] as const;

const kib = (c: string, field: string): MemberSpec => ({ c, ctype: 'u64', field, scale: 1024 });
const bytes = (name: string, doc: string): FieldSpec => ({ name, type: 'number', unit: 'bytes', doc });

/* ---- cgroup events share one record ----------------------------------- */

const CGROUP_MEMBERS: readonly MemberSpec[] = [
  { c: 'id', ctype: 'u64' },
  { c: 'hierarchy', ctype: 's32' },
  { c: 'level', ctype: 's32', field: 'level' },
  { c: 'val', ctype: 's32' },
  { c: 'task_pid', ctype: 'u32' },
  { c: 'task_tgid', ctype: 'u32' },
  { c: 'threadgroup', ctype: 'u32' },
  { c: 'task_comm', ctype: 'comm' },
  { c: 'path', ctype: 'path' },
];

const CGROUP_FIELDS: readonly FieldSpec[] = [
  {
    name: 'hierarchy',
    type: 'string',
    doc: '"unified" for cgroup v2, else the v1 hierarchy\'s controllers ("memory", "cpuset", ...)',
  },
  { name: 'level', type: 'number', doc: 'depth below the hierarchy root (root = 0)' },
];

const TASK_MOVE_FIELDS: readonly FieldSpec[] = [
  ...CGROUP_FIELDS,
  { name: 'task_pid', type: 'number', doc: 'thread id of the task that was moved' },
  { name: 'task_tgid', type: 'number', doc: 'process id of the task that was moved' },
  { name: 'task_comm', type: 'string', doc: 'command name of the task that was moved' },
  { name: 'threadgroup', type: 'bool', doc: 'the whole thread group moved' },
];

interface CgroupEventShape {
  name: string;
  kind: number;
  tracepoint: string;
  doc: string;
  fields?: readonly FieldSpec[];
  /** default: the cgroup, its hierarchy, and who acted on it */
  keyFields?: readonly string[];
}

function cgroupEvent(e: CgroupEventShape): EventSpec {
  const tp = e.tracepoint;
  return {
    name: e.name,
    kind: e.kind,
    tracepoint: `cgroup/${tp}`,
    program: `handle__${tp}`,
    record: 'kw_cgroup',
    family: 'cgroup',
    subject: 'cgroup',
    highRate: false,
    keyFields: e.keyFields ?? ['cgroup', 'hierarchy', 'comm', 'pid'],
    doc: e.doc,
    members: CGROUP_MEMBERS,
    fields: e.fields ?? CGROUP_FIELDS,
  };
}

const PRIO: FieldSpec = { name: 'prio', type: 'number', doc: 'kernel priority of the task (0-139; 120 = nice 0)' };

export const EVENTS: readonly EventSpec[] = [
  {
    name: 'oom.victim',
    kind: KIND.KW_OOM_VICTIM,
    tracepoint: 'oom/mark_victim',
    program: 'handle__mark_victim',
    record: 'kw_oom_victim',
    family: 'memory',
    subject: 'task',
    highRate: false,
    keyFields: ['comm', 'pid', 'cgroup', 'memcg', 'anon_rss', 'file_rss', 'shmem_rss', 'oom_score_adj', 'trigger_comm'],
    doc: "The OOM killer chose a victim. pid/comm/uid/cgroup are the victim's.",
    members: [
      kib('total_vm_kb', 'total_vm'),
      kib('anon_rss_kb', 'anon_rss'),
      kib('file_rss_kb', 'file_rss'),
      kib('shmem_rss_kb', 'shmem_rss'),
      kib('pgtables_kb', 'pgtables'),
      { c: 'memcg_id', ctype: 'u64' },
      { c: 'memcg_hierarchy', ctype: 's32' },
      { c: 'oom_score_adj', ctype: 's16', field: 'oom_score_adj' },
      { c: '_pad', ctype: 'u16' },
      { c: 'trigger_pid', ctype: 'u32', field: 'trigger_pid' },
      { c: '_pad2', ctype: 'u32' },
      { c: 'trigger_comm', ctype: 'comm', field: 'trigger_comm' },
    ],
    fields: [
      bytes('total_vm', 'virtual memory size of the victim'),
      bytes('anon_rss', 'resident anonymous memory'),
      bytes('file_rss', 'resident file-backed memory'),
      bytes('shmem_rss', 'resident shared memory'),
      bytes('pgtables', "memory used by the victim's page tables"),
      { name: 'oom_score_adj', type: 'number', doc: "the victim's oom_score_adj (-1000..1000)" },
      { name: 'memcg', type: 'path', doc: "the victim's memory cgroup (v1 memory hierarchy on hybrid hosts)" },
      { name: 'memcg_id', type: 'id', doc: 'id of that memory cgroup' },
      { name: 'trigger_pid', type: 'number', doc: 'the task whose allocation invoked the OOM killer' },
      { name: 'trigger_comm', type: 'string', doc: 'its command name' },
    ],
  },
  {
    name: 'mem.pcpu_drain',
    kind: KIND.KW_PCPU_DRAIN,
    tracepoint: 'kmem/mm_page_pcpu_drain',
    program: 'handle__mm_page_pcpu_drain',
    fallback: { program: 'handle__mm_page_pcpu_drain_btf', loses: 'pfn is -1' },
    record: 'kw_pcpu_drain',
    family: 'memory',
    subject: 'current',
    highRate: true,
    burst: '204,000 a second at the peak of a memory-pressure run on a 2-core host',
    keyFields: ['comm', 'pid', 'cgroup', 'order', 'migratetype'],
    doc: 'Pages drained from a per-CPU free list back to the buddy allocator; bursts under memory pressure.',
    members: [
      { c: 'pfn', ctype: 'u64', field: 'pfn', unknown: KW_DEFINES.KW_PFN_UNKNOWN },
      { c: 'order', ctype: 'u32', field: 'order' },
      { c: 'migratetype', ctype: 's32', field: 'migratetype' },
    ],
    fields: [
      {
        name: 'pfn',
        type: 'number',
        doc: 'page frame number of the first page; -1 where the kernel would not attach the tracepoint that gives it (kernel.perf_event_paranoid above 2 without CAP_SYS_ADMIN)',
      },
      { name: 'order', type: 'number', doc: 'allocation order (2^order pages)' },
      { name: 'migratetype', type: 'number', doc: "the kernel's migratetype (0 unmovable, 1 movable, 2 reclaimable, ...)" },
    ],
  },
  cgroupEvent({ name: 'cgroup.mkdir', kind: KIND.KW_CGROUP_MKDIR, tracepoint: 'cgroup_mkdir', doc: 'A cgroup was created.' }),
  cgroupEvent({ name: 'cgroup.rmdir', kind: KIND.KW_CGROUP_RMDIR, tracepoint: 'cgroup_rmdir', doc: 'A cgroup was removed.' }),
  cgroupEvent({
    name: 'cgroup.release',
    kind: KIND.KW_CGROUP_RELEASE,
    tracepoint: 'cgroup_release',
    keyFields: ['cgroup', 'hierarchy'],
    doc: 'A removed cgroup was finally released by the kernel (after rmdir, asynchronously).',
  }),
  cgroupEvent({
    name: 'cgroup.populated',
    kind: KIND.KW_CGROUP_POPULATED,
    tracepoint: 'cgroup_notify_populated',
    keyFields: ['cgroup', 'hierarchy', 'populated'],
    doc: 'A cgroup gained its first task (populated = true) or lost its last (false).',
    fields: [...CGROUP_FIELDS, { name: 'populated', type: 'bool', doc: 'the cgroup now has tasks' }],
  }),
  cgroupEvent({
    name: 'cgroup.attach',
    kind: KIND.KW_CGROUP_ATTACH,
    tracepoint: 'cgroup_attach_task',
    keyFields: ['task_comm', 'task_pid', 'cgroup', 'hierarchy', 'comm', 'pid'],
    doc: "A task was moved into the cgroup. pid/comm are the mover's, task_* the moved task's.",
    fields: TASK_MOVE_FIELDS,
  }),
  cgroupEvent({
    name: 'cgroup.rename',
    kind: KIND.KW_CGROUP_RENAME,
    tracepoint: 'cgroup_rename',
    keyFields: ['cgroup', 'hierarchy', 'comm', 'pid'],
    doc: 'A cgroup was renamed (cgroup v1 only); cgroup is the new path.',
  }),
  cgroupEvent({
    name: 'cgroup.transfer',
    kind: KIND.KW_CGROUP_TRANSFER,
    tracepoint: 'cgroup_transfer_tasks',
    keyFields: ['task_comm', 'task_pid', 'cgroup', 'hierarchy', 'comm', 'pid'],
    doc: 'The kernel moved a task out of a cgroup (cpuset v1 lost its CPUs); cgroup is the destination.',
    fields: TASK_MOVE_FIELDS,
  }),
  cgroupEvent({ name: 'cgroup.freeze', kind: KIND.KW_CGROUP_FREEZE, tracepoint: 'cgroup_freeze', doc: 'Freezing a v2 cgroup was requested.' }),
  cgroupEvent({ name: 'cgroup.unfreeze', kind: KIND.KW_CGROUP_UNFREEZE, tracepoint: 'cgroup_unfreeze', doc: 'A v2 cgroup was thawed.' }),
  cgroupEvent({
    name: 'cgroup.frozen',
    kind: KIND.KW_CGROUP_FROZEN,
    tracepoint: 'cgroup_notify_frozen',
    keyFields: ['cgroup', 'hierarchy', 'frozen'],
    doc: 'A v2 cgroup reached the frozen state (frozen = true) or left it (false).',
    fields: [...CGROUP_FIELDS, { name: 'frozen', type: 'bool', doc: 'the cgroup is now frozen' }],
  }),
  {
    name: 'migrate.start',
    kind: KIND.KW_MIGRATE_START,
    tracepoint: 'migrate/mm_migrate_pages_start',
    program: 'handle__mm_migrate_pages_start',
    record: 'kw_migrate_start',
    family: 'migration',
    subject: 'current',
    highRate: false,
    keyFields: ['reason', 'mode', 'comm', 'pid', 'cgroup'],
    doc: 'A page migration pass began.',
    members: [
      { c: 'mode', ctype: 'u32', field: 'mode' },
      { c: 'reason', ctype: 's32', field: 'reason' },
    ],
    fields: [
      { name: 'mode', type: 'enum', values: MIGRATE_MODES, doc: 'how hard migration may try' },
      { name: 'reason', type: 'enum', values: MIGRATE_REASONS, doc: 'why pages are migrated' },
    ],
  },
  {
    name: 'migrate.pages',
    kind: KIND.KW_MIGRATE_PAGES,
    tracepoint: 'migrate/mm_migrate_pages',
    program: 'handle__mm_migrate_pages',
    record: 'kw_migrate_pages',
    family: 'migration',
    subject: 'current',
    highRate: false,
    keyFields: ['failed', 'succeeded', 'reason', 'mode', 'comm', 'pid', 'cgroup'],
    doc: 'A page migration pass ended, with its results.',
    members: [
      { c: 'succeeded', ctype: 'u64', field: 'succeeded' },
      { c: 'failed', ctype: 'u64', field: 'failed' },
      { c: 'thp_succeeded', ctype: 'u64', field: 'thp_succeeded' },
      { c: 'thp_failed', ctype: 'u64', field: 'thp_failed' },
      { c: 'thp_split', ctype: 'u64', field: 'thp_split' },
      { c: 'large_folio_split', ctype: 'u64', field: 'large_folio_split' },
      { c: 'mode', ctype: 'u32', field: 'mode' },
      { c: 'reason', ctype: 's32', field: 'reason' },
    ],
    fields: [
      { name: 'succeeded', type: 'number', doc: 'pages migrated' },
      { name: 'failed', type: 'number', doc: 'pages that could not be migrated' },
      { name: 'thp_succeeded', type: 'number', doc: 'transparent huge pages migrated' },
      { name: 'thp_failed', type: 'number', doc: 'transparent huge pages that failed' },
      { name: 'thp_split', type: 'number', doc: 'transparent huge pages split to migrate' },
      { name: 'large_folio_split', type: 'number', doc: 'large folios split to migrate' },
      { name: 'mode', type: 'enum', values: MIGRATE_MODES, doc: 'how hard migration tried' },
      { name: 'reason', type: 'enum', values: MIGRATE_REASONS, doc: 'why pages were migrated' },
    ],
  },
  {
    name: 'migrate.remove_pte',
    kind: KIND.KW_MIGRATE_PTE,
    tracepoint: 'migrate/remove_migration_pte',
    program: 'handle__remove_migration_pte',
    record: 'kw_migrate_pte',
    family: 'migration',
    subject: 'current',
    highRate: true,
    burst: 'one per page moved: a compaction pass moves thousands in milliseconds',
    keyFields: ['comm', 'pid', 'cgroup', 'order'],
    doc: 'One migration entry was replaced by the new page; thousands per compaction pass.',
    members: [
      { c: 'addr', ctype: 'u64', field: 'addr' },
      { c: 'pte', ctype: 'u64', field: 'pte' },
      { c: 'order', ctype: 's32', field: 'order' },
      { c: '_pad', ctype: 'u32' },
    ],
    fields: [
      { name: 'addr', type: 'address', doc: 'user virtual address of the mapping' },
      { name: 'pte', type: 'address', doc: 'the new page table entry' },
      { name: 'order', type: 'number', doc: 'folio order' },
    ],
  },
  {
    name: 'process.fork',
    kind: KIND.KW_PROC_FORK,
    tracepoint: 'sched/sched_process_fork',
    program: 'handle__sched_process_fork',
    record: 'kw_fork',
    family: 'process',
    subject: 'task',
    highRate: true,
    burst: 'one per fork: a fork loop makes 4,400 a second on a 2-core host',
    keyFields: ['comm', 'pid', 'child_comm', 'child_pid', 'cgroup'],
    doc: "A task forked. pid/comm/cgroup are the parent's, child_* the new task's.",
    members: [
      { c: 'child_pid', ctype: 'u32', field: 'child_pid' },
      { c: 'child_tgid', ctype: 'u32', field: 'child_tgid' },
      { c: 'child_comm', ctype: 'comm', field: 'child_comm' },
    ],
    fields: [
      { name: 'child_pid', type: 'number', doc: 'thread id of the new task' },
      { name: 'child_tgid', type: 'number', doc: "process id of the new task (= parent's for a thread)" },
      { name: 'child_comm', type: 'string', doc: 'command name of the new task' },
    ],
  },
  {
    name: 'process.newtask',
    kind: KIND.KW_PROC_NEWTASK,
    tracepoint: 'task/task_newtask',
    program: 'handle__task_newtask',
    record: 'kw_newtask',
    family: 'process',
    subject: 'task',
    highRate: true,
    burst: 'one per new task: a fork loop makes 4,400 a second on a 2-core host',
    keyFields: ['comm', 'pid', 'cgroup'],
    doc: "A new task was created. pid/comm are the new task's.",
    members: [
      { c: 'clone_flags', ctype: 'u64', field: 'clone_flags' },
      { c: 'oom_score_adj', ctype: 's16', field: 'oom_score_adj' },
      { c: '_pad', ctype: 'u16' },
      { c: '_pad2', ctype: 'u32' },
    ],
    fields: [
      { name: 'clone_flags', type: 'number', doc: 'CLONE_* flags of the clone() call' },
      { name: 'oom_score_adj', type: 'number', doc: 'oom_score_adj the task inherited' },
    ],
  },
  {
    name: 'process.exit',
    kind: KIND.KW_PROC_EXIT,
    tracepoint: 'sched/sched_process_exit',
    program: 'handle__sched_process_exit',
    record: 'kw_exit',
    family: 'process',
    subject: 'task',
    highRate: true,
    burst: 'one per exiting thread: a fork loop makes 4,400 a second on a 2-core host',
    keyFields: ['comm', 'pid', 'tgid', 'signal', 'exit_status', 'age', 'cgroup'],
    doc: 'A task exited.',
    members: [
      { c: 'exit_code', ctype: 's32', field: 'exit_code' },
      { c: 'prio', ctype: 's32', field: 'prio' },
      { c: 'group_dead', ctype: 'u32', field: 'group_dead' },
      { c: 'signal', ctype: 's32', field: 'signal' },
      { c: 'exit_status', ctype: 's32', field: 'exit_status' },
      { c: '_pad', ctype: 'u32' },
      { c: 'age_ns', ctype: 'u64', field: 'age' },
    ],
    fields: [
      { name: 'exit_code', type: 'number', doc: 'raw wait status: (status << 8) | signal' },
      { name: 'exit_status', type: 'number', doc: 'the status passed to exit(), when not killed by a signal' },
      { name: 'signal', type: 'number', doc: 'the signal that killed the task, 0 if it exited' },
      PRIO,
      { name: 'group_dead', type: 'bool', doc: 'this was the last thread of its process' },
      { name: 'age', type: 'number', unit: 'ns', doc: 'how long its process had lived (since the thread group leader started)' },
    ],
  },
  {
    name: 'process.free',
    kind: KIND.KW_PROC_FREE,
    tracepoint: 'sched/sched_process_free',
    program: 'handle__sched_process_free',
    record: 'kw_task',
    family: 'process',
    subject: 'task',
    highRate: true,
    burst: 'one per freed task: a fork loop makes 4,400 a second on a 2-core host',
    keyFields: ['comm', 'pid', 'cgroup'],
    doc: "The kernel freed an exited task's descriptor.",
    members: [
      { c: 'prio', ctype: 's32', field: 'prio' },
      { c: '_pad', ctype: 'u32' },
    ],
    fields: [PRIO],
  },
  {
    name: 'process.hang',
    kind: KIND.KW_PROC_HANG,
    tracepoint: 'sched/sched_process_hang',
    program: 'handle__sched_process_hang',
    record: 'kw_task',
    family: 'process',
    subject: 'task',
    highRate: false,
    keyFields: ['comm', 'pid', 'cgroup', 'prio'],
    doc: 'The hung-task detector found a task in D state longer than kernel.hung_task_timeout_secs.',
    members: [
      { c: 'prio', ctype: 's32', field: 'prio' },
      { c: '_pad', ctype: 'u32' },
    ],
    fields: [PRIO],
  },
  {
    name: 'process.exit_mmap',
    kind: KIND.KW_PROC_EXIT_MMAP,
    tracepoint: 'mmap/exit_mmap',
    program: 'handle__exit_mmap',
    record: 'kw_exit_mmap',
    family: 'process',
    subject: 'current',
    highRate: true,
    burst: 'one per exiting process: a fork loop makes 4,400 a second on a 2-core host',
    keyFields: ['comm', 'pid', 'rss', 'total_vm', 'cgroup'],
    doc: 'An address space was torn down (the last user of an mm exited or exec()ed).',
    members: [kib('total_vm_kb', 'total_vm'), kib('rss_kb', 'rss')],
    fields: [bytes('total_vm', 'virtual size of the address space'), bytes('rss', 'resident memory (anon + file + shmem) at teardown')],
  },
];

/**
 * Task moves come in bursts under container churn. (mkdir and rename stay
 * urgent although churn makes them frequent too: they teach the cgroup path
 * cache the paths urgent records name, so they must be decoded first.)
 */
const CGROUP_CHURN = new Set(['cgroup.attach', 'cgroup.transfer']);

/**
 * Rare, page-worthy events (an OOM victim, a hung task, a cgroup frozen or
 * emptied, migration failures): their records take a ring of their own that
 * is always read first, so they never wait behind a flood of high-rate ones,
 * and are never shed.
 */
export function isUrgent(e: EventSpec): boolean {
  return !e.highRate && !CGROUP_CHURN.has(e.name);
}

/** Bit `kind` set for each urgent event: the BPF object's `urgent_kinds`. */
export const URGENT_KINDS_MASK = EVENTS.filter(isUrgent).reduce((mask, e) => (mask | (1 << e.kind)) >>> 0, 0);

const BY_NAME = new Map(EVENTS.map((e) => [e.name, e]));

export function eventByName(name: string): EventSpec | undefined {
  return BY_NAME.get(name);
}

/** All fields of an event, the common ones first. */
export function fieldsOf(event: EventSpec): readonly FieldSpec[] {
  return [...COMMON_FIELDS, ...event.fields];
}

export function fieldOf(event: EventSpec, name: string): FieldSpec | undefined {
  return fieldsOf(event).find((f) => f.name === name);
}
