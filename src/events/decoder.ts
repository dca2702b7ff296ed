/**
 * Decodes batches of ring-buffer records (bpf/kernwatch.h layouts, back to
 * back, each 8-byte aligned) into KernelEvents, following the catalog.
 * Decoding does no I/O and never waits: a cgroup's path is the path cache's
 * (cgroup_paths.ts), which the cgroup records decoded here keep; a record
 * naming a cgroup the cache does not know yet is decoded without its path
 * and counted (stats.unresolved).
 */
import { EVENTS } from './catalog';
import type { CgroupPaths } from './cgroup_paths';
import type { FieldValue, KernelEvent } from './event';
import { KW_DEFINES } from '../kernel/kernwatch_h';
import { HEADER_LAYOUT, recordLayout, type PlacedMember } from './layout';
import type { EventSpec, FieldSpec } from './types';
import { decodeKernelString } from './kernel_string';

const { KW_F_PATH_TRUNCATED, KW_F_GENERATION } = KW_DEFINES;
const H = Object.fromEntries(HEADER_LAYOUT.members.map((m) => [m.c, m.offset])) as Record<string, number>;

interface CompiledEvent {
  readonly spec: EventSpec;
  readonly size: number;
  /** each C member with the catalog field it fills, looked up once here rather than per record */
  readonly members: ReadonlyArray<{ readonly m: PlacedMember; readonly field?: FieldSpec }>;
  readonly offsets: Readonly<Record<string, number>>;
}

const COMPILED = new Map<number, CompiledEvent>(
  EVENTS.map((spec) => {
    const layout = recordLayout(spec);
    return [
      spec.kind,
      {
        spec,
        size: layout.size,
        members: layout.members.map((m) => {
          const field = m.field === undefined ? undefined : spec.fields.find((f) => f.name === m.field);
          return field ? { m, field } : { m };
        }),
        offsets: Object.fromEntries(layout.members.map((m) => [m.c, m.offset])),
      },
    ];
  }),
);

export interface DecodeStats {
  /** records of a kind this build does not know, or cut short */
  malformed: number;
  /**
   * Per event: records decoded without the path of a cgroup they name
   * (`cgroup`, or an OOM victim's `memcg`), its id not known yet. The field
   * is absent in the event, so a rule on it did not match: count these as
   * records lost.
   */
  readonly unresolved: Map<string, number>;
}

export interface DecoderOptions {
  /** wall-clock ms minus monotonic ms; measured at construction by default */
  readonly wallOffsetMs?: number;
  /**
   * Hold cgroup.release's forgetting of a path until settleReleases() says
   * every older record was decoded: releases come through the urgent ring,
   * ahead of older bulk records of the same cgroup.
   */
  readonly deferReleases?: boolean;
  /**
   * The events handed on (default: all). Records of the others are decoded
   * only for what they teach the path cache: the cgroup records a session
   * has sent for it although nobody asked for them.
   */
  readonly emitted?: readonly string[];
}

/** Releases held back at most: past this the oldest is forgotten at once. */
const MAX_HELD_RELEASES = 65_536;

export class Decoder {
  readonly stats: DecodeStats = { malformed: 0, unresolved: new Map() };
  /** wall-clock ms minus monotonic ms, measured once */
  private readonly wallOffsetMs: number;
  private readonly deferReleases: boolean;
  /** bit `kind` set for each kind handed on */
  private readonly emitMask: number;
  /** cgroups released but maybe still named by older records not decoded yet, oldest first */
  private readonly heldReleases: Array<{ readonly hierarchy: number; readonly id: bigint; readonly monoNs: bigint }> = [];

  constructor(
    private readonly cgroups: CgroupPaths,
    options: DecoderOptions = {},
  ) {
    this.wallOffsetMs = options.wallOffsetMs ?? Date.now() - Number(process.hrtime.bigint()) / 1e6;
    this.deferReleases = options.deferReleases ?? false;
    const emitted = options.emitted;
    this.emitMask = emitted ? EVENTS.filter((e) => emitted.includes(e.name)).reduce((m, e) => (m | (1 << e.kind)) >>> 0, 0) : 0xffffffff;
    // what the hierarchies hold before the first record: read now if no walk has (start-up, not
    // decoding), and again in the background for cgroups made while the programs were loading
    this.cgroups.fillOnce();
    this.cgroups.refresh();
  }

  /**
   * Now, on the clock events are stamped with: monotonic, so a step of the
   * wall clock moves neither events nor ticks out of their windows.
   */
  now(): number {
    return this.wallOffsetMs + Number(process.hrtime.bigint()) / 1e6;
  }

  /** Decodes every record in `batch`, calling `emit` for each in order. */
  decodeBatch(batch: Buffer, emit: (e: KernelEvent) => void): void {
    this.decodeSome(batch, 0, Infinity, emit);
  }

  /**
   * Decodes up to `max` records of `batch` from byte `at`, calling `emit`
   * for each in order; returns where the next record starts (the batch's
   * length once it is done, or when no next record can be found). Records
   * of a kind in `skip` (bit `kind`) are passed over undecoded and handed
   * to `skipped` instead.
   */
  decodeSome(batch: Buffer, at: number, max: number, emit: (e: KernelEvent) => void, skip = 0, skipped?: (spec: EventSpec) => void): number {
    for (let n = 0; n < max && at + HEADER_LAYOUT.size <= batch.length; n++) {
      const kind = batch.readUInt16LE(at + (H.kind as number));
      const size = batch.readUInt16LE(at + (H.size as number));
      if (size < HEADER_LAYOUT.size || at + size > batch.length) {
        this.stats.malformed++;
        return batch.length; // cannot find the next record boundary
      }
      const compiled = COMPILED.get(kind);
      if (compiled && size === compiled.size) {
        if ((skip >>> kind) & 1) skipped?.(compiled.spec);
        else if ((this.emitMask >>> kind) & 1) emit(this.decodeRecord(batch, at, compiled));
        else this.decodeRecord(batch, at, compiled);
      } else this.stats.malformed++;
      at += Math.ceil(size / 8) * 8;
    }
    return at + HEADER_LAYOUT.size <= batch.length ? at : batch.length;
  }

  /** The monotonic ns of the record at `at` (which decodeSome() returned), without decoding it. */
  static timeAt(batch: Buffer, at: number): bigint {
    return batch.readBigUInt64LE(at + (H.ts_ns as number));
  }

  /** Every record up to monotonic `ns` was decoded: cgroups released before then may be forgotten. */
  settleReleases(ns: bigint): void {
    let n = 0;
    while (n < this.heldReleases.length && (this.heldReleases[n] as { monoNs: bigint }).monoNs <= ns) n++;
    for (const r of this.heldReleases.splice(0, n)) this.cgroups.forget(r.hierarchy, r.id);
  }

  private release(hierarchy: number, id: bigint, monoNs: bigint): void {
    if (!this.deferReleases) return this.cgroups.forget(hierarchy, id);
    this.heldReleases.push({ hierarchy, id, monoNs });
    if (this.heldReleases.length > MAX_HELD_RELEASES) {
      const oldest = this.heldReleases.shift() as { hierarchy: number; id: bigint };
      this.cgroups.forget(oldest.hierarchy, oldest.id);
    }
  }

  private decodeRecord(buf: Buffer, at: number, c: CompiledEvent): KernelEvent {
    const fields: Record<string, FieldValue> = {};
    for (const m of HEADER_LAYOUT.members) if (m.field) fields[m.field] = readMember(buf, at, m);
    const raw: Record<string, FieldValue> = {};
    for (const { m, field } of c.members) {
      const value = readMember(buf, at, m);
      if (!m.field) {
        raw[m.c] = value;
        continue;
      }
      fields[m.field] = value === m.unknown ? -1 : field ? present(field, value, m.scale) : value;
    }
    const flags = buf.readUInt16LE(at + (H.flags as number));
    const truncated = (flags & KW_F_PATH_TRUNCATED) !== 0;
    const headerCgroup = buf.readBigUInt64LE(at + (H.cgroup_id as number));
    const monoNs = buf.readBigUInt64LE(at + (H.ts_ns as number));
    this.derive(c.spec, fields, raw, headerCgroup, truncated, monoNs);
    return {
      name: c.spec.name,
      monoNs,
      time: this.wallOffsetMs + Number(monoNs) / 1e6,
      rules: buf.readBigUInt64LE(at + (H.rules as number)),
      generation: (flags & KW_F_GENERATION) !== 0 ? 1 : 0,
      truncated,
      fields,
    };
  }

  /** Fields that are not a plain copy of one C member. */
  private derive(
    spec: EventSpec,
    fields: Record<string, FieldValue>,
    raw: Record<string, FieldValue>,
    headerCgroup: bigint,
    truncated: boolean,
    monoNs: bigint,
  ): void {
    if (spec.subject === 'cgroup') {
      this.deriveCgroupEvent(spec, fields, raw, truncated, monoNs);
    } else {
      setCgroup(fields, 'cgroup', headerCgroup, this.pathOf(spec, 0, headerCgroup));
    }
    if (spec.name === 'oom.victim') {
      const hierarchy = raw.memcg_hierarchy as number;
      const id = raw.memcg_id as bigint;
      if (hierarchy >= 0 && id !== 0n) setCgroup(fields, 'memcg', id, this.pathOf(spec, hierarchy, id));
    }
  }

  /** The cached path, never a walk; a miss in a hierarchy that is kept is counted (stats.unresolved). */
  private pathOf(spec: EventSpec, hierarchy: number, id: bigint): string | undefined {
    const found = this.cgroups.pathOf(hierarchy, id);
    if (found === undefined && id !== 0n && this.cgroups.keeps(hierarchy)) {
      this.stats.unresolved.set(spec.name, (this.stats.unresolved.get(spec.name) ?? 0) + 1);
    }
    return found;
  }

  private deriveCgroupEvent(spec: EventSpec, fields: Record<string, FieldValue>, raw: Record<string, FieldValue>, truncated: boolean, monoNs: bigint): void {
    const hierarchy = raw.hierarchy as number;
    const id = raw.id as bigint;
    const cgroupPath = raw.path as string;
    fields.cgroup = cgroupPath;
    fields.cgroup_id = id;
    fields.hierarchy = this.cgroups.hierarchyName(hierarchy);
    if (spec.name === 'cgroup.mkdir' || spec.name === 'cgroup.rename') {
      // a cut path must not become the cgroup's path: the full one is looked for below its last whole ancestor
      if (!truncated) this.cgroups.learn(hierarchy, id, cgroupPath);
      else this.cgroups.relearn(hierarchy, id, cgroupPath);
    }
    if (spec.name === 'cgroup.rmdir') this.cgroups.removed(hierarchy, id);
    if (spec.name === 'cgroup.release') this.release(hierarchy, id, monoNs);
    if (spec.name === 'cgroup.populated') fields.populated = raw.val !== 0;
    if (spec.name === 'cgroup.frozen') fields.frozen = raw.val !== 0;
    if (spec.name === 'cgroup.attach' || spec.name === 'cgroup.transfer') {
      fields.task_pid = raw.task_pid as number;
      fields.task_tgid = raw.task_tgid as number;
      fields.task_comm = raw.task_comm as string;
      fields.threadgroup = raw.threadgroup !== 0;
    }
  }
}

function setCgroup(fields: Record<string, FieldValue>, name: string, id: bigint, cgroupPath: string | undefined): void {
  fields[`${name}_id`] = id;
  if (cgroupPath !== undefined) fields[name] = cgroupPath;
}

function readMember(buf: Buffer, at: number, m: PlacedMember): FieldValue {
  const o = at + m.offset;
  switch (m.ctype) {
    case 'u8':
      return buf.readUInt8(o);
    case 'u16':
      return buf.readUInt16LE(o);
    case 's16':
      return buf.readInt16LE(o);
    case 'u32':
      return buf.readUInt32LE(o);
    case 's32':
      return buf.readInt32LE(o);
    case 'u64':
      return buf.readBigUInt64LE(o);
    case 'comm':
    case 'path':
    case 'segment': {
      const end = buf.indexOf(0, o);
      return decodeKernelString(buf, o, end < 0 || end > o + m.size ? o + m.size : end);
    }
  }
}

/** Converts a raw C value into the catalog's type for the field. */
function present(spec: FieldSpec, value: FieldValue, scale = 1): FieldValue {
  switch (spec.type) {
    case 'number':
      return typeof value === 'bigint' ? Number(value) * scale : (value as number) * scale;
    case 'bool':
      return value !== 0;
    case 'enum':
      return spec.values?.[value as number] ?? String(value);
    case 'address':
      return `0x${(value as bigint).toString(16)}`;
    default:
      return value;
  }
}
