/**
 * A kernel in TypeScript for the live runtime to run on without root: the
 * programs of the catalog, their records built byte for byte in the layouts
 * of bpf/kernwatch.h, filtered and counted by the kernel simulator over the
 * rule sets userspace installs (the same KernelRuleSet the BPF filter maps
 * get), two rings with the reader's budget of bytes in flight, and the
 * `stats`, `counts` and `count_epoch` maps as bytes. The session, the record
 * pump, the decoder, cgroup paths, kernel counts, the evaluator, reloads
 * and the agent above it are the code that runs on the host's kernel.
 *
 * Cgroups are directories of a temporary tree standing in for the v2 mount:
 * their ids are the directories' inode numbers, as on a 64-bit kernel.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EVENTS, eventByName } from '../events/catalog';
import { CgroupPaths } from '../events/cgroup_paths';
import { Decoder } from '../events/decoder';
import type { KernelEvent } from '../events/event';
import { HEADER_LAYOUT, recordLayout } from '../events/layout';
import type { EventSpec } from '../events/types';
import { encodeStruct, offsetOf, type CValue } from '../kernel/c_layout';
import type { RuleFilters } from '../kernel/filter_maps';
import type { KernelRuleSet } from '../kernel/kernel_rule_set';
import { KW_DEFINES } from '../kernel/kernwatch_h';
import { MAP_STRUCTS } from '../kernel/map_layouts';
import type { BpfError, BpfSessionHandle, MapEntries, ProgramInfo } from '../kernel/native';
import type { RefusedProgram } from '../kernel/refusal';
import { KernelSimulator } from '../engine/kernel_simulator';
import type { KernelBackend } from './kernel_backend';

/** One tracepoint firing: the event, and the record's members by C name (header ones included) that differ from zero. */
export interface SimulatedFiring {
  readonly event: string;
  /** monotonic ns; default now */
  readonly monoNs?: bigint;
  /** the subject task's cgroup, a path made with mkdir() */
  readonly cgroup?: string;
  readonly members?: Readonly<Record<string, CValue>>;
}

export interface SimulatedKernelOptions {
  /** programs this kernel does not have, with why (as a missing tracepoint) */
  readonly missing?: readonly string[];
}

let boots = 0;

/** The reader's batches, and how often it hands over what the rings hold. */
const BATCH_BYTES = 64 << 10;
const FLUSH_MS = 10;
const STATS_STRIDE = 8 * Math.ceil(MAP_STRUCTS.kw_stats.size / 8);
const { kw_count_key, kw_count } = MAP_STRUCTS;

export class SimulatedKernel implements KernelBackend {
  /** the directory standing in for the cgroup v2 mount */
  readonly cgroupRoot: string;
  /** every session open on it, as a kernel runs the programs of each (an agent and a `kernwatch record` beside it) */
  private readonly sessions = new Set<SimulatedBpf>();

  /** each simulated kernel is a boot of its own */
  private readonly boot = `simulated-${process.pid}-${++boots}`;

  constructor(private readonly options: SimulatedKernelOptions = {}) {
    this.cgroupRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-sim-cgroup-'));
  }

  bootId(): string {
    return this.boot;
  }

  refusal(): undefined {
    return undefined;
  }

  cgroups(): CgroupPaths {
    return new CgroupPaths([{ id: 0, name: 'unified', mountPoint: this.cgroupRoot }]);
  }

  open(ringBytes: number, urgentBytes: number, urgentKinds: number): BpfSessionHandle {
    const session = new SimulatedBpf(this, ringBytes, urgentBytes, urgentKinds, new Set(this.options.missing ?? []), () => this.sessions.delete(session));
    this.sessions.add(session);
    return session;
  }

  filters(bpf: BpfSessionHandle): RuleFilters {
    return (bpf as SimulatedBpf).filters;
  }

  /** Makes cgroup `cgroupPath` (and its parents), returning its id; fires cgroup.mkdir for each new one when `announce`. */
  mkdir(cgroupPath: string, announce = true): bigint {
    let at = '';
    for (const name of cgroupPath.split('/').filter(Boolean)) {
      at = `${at}/${name}`;
      const dir = path.join(this.cgroupRoot, at);
      if (fs.existsSync(dir)) continue;
      fs.mkdirSync(dir);
      if (announce) this.fire({ event: 'cgroup.mkdir', members: { id: this.idOf(at), level: at.split('/').length - 1, path: at } });
    }
    return this.idOf(cgroupPath);
  }

  idOf(cgroupPath: string): bigint {
    return fs.statSync(path.join(this.cgroupRoot, cgroupPath), { bigint: true }).ino;
  }

  /** The tracepoint fires, in every session that attached its program. */
  fire(firing: SimulatedFiring): void {
    const monoNs = firing.monoNs ?? process.hrtime.bigint();
    for (const session of this.sessions) session.fire({ ...firing, monoNs });
  }

  /** Removes the stand-in cgroup tree. */
  dispose(): void {
    fs.rmSync(this.cgroupRoot, { recursive: true, force: true });
  }
}

/** The rule sets, in the two generations of the filter maps. */
class SimulatedFilters implements RuleFilters {
  active = 0;
  shedKinds = 0;
  readonly simulators: Array<KernelSimulator | undefined> = [undefined, undefined];
  readonly sets: Array<KernelRuleSet | undefined> = [undefined, undefined];

  constructor(private readonly know: (simulator: KernelSimulator) => void) {}

  installFirst(set: KernelRuleSet): void {
    this.use(0, set);
    this.active = 0;
  }

  install(set: KernelRuleSet): Promise<number> {
    const next = 1 - this.active;
    this.use(next, set);
    this.active = next;
    this.simulators[1 - next] = undefined;
    this.sets[1 - next] = undefined;
    return Promise.resolve(next);
  }

  shed(kinds: number): void {
    this.shedKinds = kinds;
  }

  private use(generation: number, set: KernelRuleSet): void {
    const simulator = new KernelSimulator(set);
    this.know(simulator);
    this.simulators[generation] = simulator;
    this.sets[generation] = set;
  }
}

interface Lane {
  readonly capacity: number;
  /** records in the ring, not yet handed to the reader's callback */
  readonly ring: Buffer[];
  ringBytes: number;
  inFlight: number;
}

class SimulatedBpf implements BpfSessionHandle {
  readonly compat = false;
  readonly filters: SimulatedFilters;
  private readonly attached = new Set<string>();
  private readonly maps = new Map<string, Map<string, Buffer>>([
    ['stats', new Map()],
    ['counts', new Map()],
    ['count_epoch', new Map()],
  ]);
  private readonly lanes: Record<'urgent' | 'bulk', Lane>;
  private onBatch: ((err: BpfError | null, batch: Buffer | null, urgent: boolean) => void) | undefined;
  private maxInFlight = Infinity;
  private flushTimer: NodeJS.Timeout | undefined;
  /** decodes fired records as the kernel sees them, with a cgroup cache of its own */
  private readonly view: Decoder;

  constructor(
    private readonly kernel: SimulatedKernel,
    ringBytes: number,
    urgentBytes: number,
    private readonly urgentKinds: number,
    private readonly missing: ReadonlySet<string>,
    private readonly closed: () => void,
  ) {
    const cgroups = kernel.cgroups();
    this.view = new Decoder(cgroups);
    this.filters = new SimulatedFilters((simulator) => {
      for (const [id, p] of cgroups.tree(0)) simulator.knowCgroup(id, p);
    });
    this.lanes = {
      urgent: { capacity: urgentBytes, ring: [], ringBytes: 0, inFlight: 0 },
      bulk: { capacity: ringBytes, ring: [], ringBytes: 0, inFlight: 0 },
    };
  }

  programs(): ProgramInfo[] {
    const programs = new Map<string, ProgramInfo>();
    for (const e of EVENTS) {
      const tracepoint = e.tracepoint.split('/')[1] ?? '';
      for (const name of [e.program, ...(e.fallback ? [e.fallback.program] : [])]) {
        programs.set(name, {
          name,
          section: `tp_btf/${tracepoint}`,
          tracepoint,
          available: !this.missing.has(name),
        });
      }
    }
    return [...programs.values()];
  }

  load(): RefusedProgram[] {
    return [];
  }

  attach(program: string): void {
    this.attached.add(program);
  }

  detach(program: string): void {
    this.attached.delete(program);
  }

  lookup(map: string, key: Buffer): Buffer | null {
    const value = this.maps.get(map)?.get(key.toString('hex'));
    return value ? Buffer.from(value) : null;
  }

  update(map: string, key: Buffer, value: Buffer): void {
    this.mapOf(map).set(key.toString('hex'), Buffer.from(value));
  }

  delete(map: string, key: Buffer): boolean {
    return this.mapOf(map).delete(key.toString('hex'));
  }

  entries(map: string): MapEntries {
    const m = this.mapOf(map);
    return {
      keys: Buffer.concat([...m.keys()].map((k) => Buffer.from(k, 'hex'))),
      values: Buffer.concat([...m.values()]),
      count: m.size,
      walked: false,
      restarts: 0,
    };
  }

  deleteKeys(map: string, keys: Buffer): number {
    const m = this.mapOf(map);
    const keySize = (m.keys().next().value?.length ?? 0) / 2;
    let deleted = 0;
    for (let at = 0; keySize > 0 && at < keys.length; at += keySize) if (m.delete(keys.subarray(at, at + keySize).toString('hex'))) deleted++;
    return deleted;
  }

  recursionMisses(): Record<string, number> {
    return {};
  }

  startReader(onBatch: (err: BpfError | null, batch: Buffer | null, urgent: boolean) => void, options?: { maxInFlightBytes?: number }): void {
    this.onBatch = onBatch;
    this.maxInFlight = options?.maxInFlightBytes ?? Infinity;
    this.flushTimer = setInterval(() => this.flush(false), FLUSH_MS);
  }

  releaseBatch(urgent: boolean, bytes: number): void {
    this.lanes[urgent ? 'urgent' : 'bulk'].inFlight -= bytes;
  }

  /** Hands over what the rings hold, as the reader thread does on its way out. */
  stopReader(): Promise<void> {
    clearInterval(this.flushTimer);
    this.flush(true);
    this.onBatch = undefined;
    return Promise.resolve();
  }

  close(): void {
    clearInterval(this.flushTimer);
    this.maps.clear();
    this.closed();
  }

  fire(firing: SimulatedFiring): void {
    const spec = eventByName(firing.event);
    if (!spec) throw new Error(`no event ${firing.event}`);
    if (!this.attached.has(spec.program) && !(spec.fallback && this.attached.has(spec.fallback.program))) return;
    this.count(spec.kind, 'seen');
    const record = this.build(spec, firing);
    let event: KernelEvent | undefined;
    this.view.decodeBatch(record, (e) => (event = e));
    const simulator = this.filters.simulators[this.filters.active];
    if (!event || !simulator) return;
    const result = simulator.process(event);
    for (const c of result.counted) this.addCount(c.bit, record, event);
    if (!result.sent) return this.count(spec.kind, 'filtered');
    if ((this.filters.shedKinds >>> spec.kind) & 1) return this.count(spec.kind, 'shed');
    record.writeBigUInt64LE(BigInt.asUintN(64, result.sent.rules), offsetOf(HEADER_LAYOUT, 'rules'));
    const flags = this.filters.active === 1 ? KW_DEFINES.KW_F_GENERATION : 0;
    record.writeUInt16LE(record.readUInt16LE(offsetOf(HEADER_LAYOUT, 'flags')) | flags, offsetOf(HEADER_LAYOUT, 'flags'));
    const lane = this.lanes[(this.urgentKinds >>> spec.kind) & 1 ? 'urgent' : 'bulk'];
    if (lane.ringBytes + record.length > lane.capacity) return this.count(spec.kind, 'lost');
    lane.ring.push(record);
    lane.ringBytes += record.length;
    this.count(spec.kind, 'sent');
  }

  private build(spec: EventSpec, firing: SimulatedFiring): Buffer {
    const layout = recordLayout(spec);
    const values: Record<string, CValue> = { ...(firing.members ?? {}) };
    const header = encodeStruct(HEADER_LAYOUT, {
      kind: spec.kind,
      size: layout.size,
      ts_ns: firing.monoNs ?? process.hrtime.bigint(),
      cgroup_id: firing.cgroup ? this.kernel.idOf(firing.cgroup) : 0n,
      ...pick(
        values,
        HEADER_LAYOUT.members.map((m) => m.c),
      ),
    });
    const body = encodeStruct(
      layout,
      pick(
        values,
        layout.members.map((m) => m.c),
      ),
    );
    header.copy(body, 0);
    return body;
  }

  /** count_rule(): events, the raw field summed, and the epoch's max in the slot of its parity. */
  private addCount(bit: number, record: Buffer, event: KernelEvent): void {
    const agg = this.filters.sets[this.filters.active]?.aggregates.get(bit);
    const group =
      agg?.groupBy === 'cgroup'
        ? (event.fields.cgroup_id as bigint)
        : agg?.groupBy === 'tgid'
          ? BigInt(event.fields.tgid as number)
          : agg?.groupBy === 'uid'
            ? BigInt(event.fields.uid as number)
            : 0n;
    const key = encodeStruct(kw_count_key, { rule: bit, generation: this.filters.active, group });
    const counts = this.mapOf('counts');
    const value = counts.get(key.toString('hex')) ?? Buffer.alloc(kw_count.size);
    value.writeBigUInt64LE(value.readBigUInt64LE(offsetOf(kw_count, 'events')) + 1n, offsetOf(kw_count, 'events'));
    const field = agg?.sum ?? agg?.max;
    const raw = field ? readRaw(record, field.offset, field.size, field.signed) : 0n;
    if (agg?.sum) {
      const at = offsetOf(kw_count, 'sum');
      value.writeBigUInt64LE(BigInt.asUintN(64, value.readBigUInt64LE(at) + raw), at);
    }
    if (agg?.max) {
      const tag = (this.lookup('count_epoch', Buffer.alloc(4))?.readUInt32LE(0) ?? 0) + 1;
      const slot = tag & 1 ? 'odd' : 'even';
      const maxAt = offsetOf(kw_count, `max_${slot}`);
      const tagAt = offsetOf(kw_count, `tag_${slot}`);
      const held = agg.max.signed ? value.readBigInt64LE(maxAt) : value.readBigUInt64LE(maxAt);
      if (value.readUInt32LE(tagAt) !== tag || raw > held) value.writeBigUInt64LE(BigInt.asUintN(64, raw), maxAt);
      value.writeUInt32LE(tag, tagAt);
    }
    counts.set(key.toString('hex'), value);
  }

  private count(kind: number, what: 'seen' | 'sent' | 'lost' | 'filtered' | 'shed'): void {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(kind);
    const stats = this.mapOf('stats');
    const value = stats.get(key.toString('hex')) ?? Buffer.alloc(STATS_STRIDE);
    const at = offsetOf(MAP_STRUCTS.kw_stats, what);
    value.writeBigUInt64LE(value.readBigUInt64LE(at) + 1n, at);
    stats.set(key.toString('hex'), value);
  }

  /** The reader: urgent ring first, batches of at most BATCH_BYTES, none past a lane's budget unless stopping. */
  private flush(all: boolean): void {
    for (const urgent of [true, false]) {
      const lane = this.lanes[urgent ? 'urgent' : 'bulk'];
      while (lane.ring.length > 0 && (all || lane.inFlight < this.maxInFlight)) {
        const batch: Buffer[] = [];
        let bytes = 0;
        while (lane.ring.length > 0 && bytes + (lane.ring[0] as Buffer).length <= BATCH_BYTES) {
          const r = lane.ring.shift() as Buffer;
          batch.push(r);
          bytes += r.length;
        }
        lane.ringBytes -= bytes;
        lane.inFlight += bytes;
        this.onBatch?.(null, Buffer.concat(batch), urgent);
      }
    }
  }

  private mapOf(name: string): Map<string, Buffer> {
    const map = this.maps.get(name);
    if (!map) throw new Error(`no map ${name} in the simulated kernel`);
    return map;
  }
}

function pick(values: Readonly<Record<string, CValue>>, names: readonly string[]): Record<string, CValue> {
  return Object.fromEntries(names.filter((n) => values[n] !== undefined).map((n) => [n, values[n] as CValue]));
}

function readRaw(record: Buffer, offset: number, size: number, signed: boolean): bigint {
  switch (size) {
    case 1:
      return BigInt(signed ? record.readInt8(offset) : record.readUInt8(offset));
    case 2:
      return BigInt(signed ? record.readInt16LE(offset) : record.readUInt16LE(offset));
    case 4:
      return BigInt(signed ? record.readInt32LE(offset) : record.readUInt32LE(offset));
    default:
      return signed ? record.readBigInt64LE(offset) : record.readBigUInt64LE(offset);
  }
}
