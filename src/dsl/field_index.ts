/**
 * Field lookup by name, indexed once per event: the checker resolves every
 * field reference of every rule, and the catalog's fieldOf() rebuilds the
 * field list on each call. An index over the catalog, not a copy of it.
 */
import { fieldsOf, HEADER_MEMBERS } from '../events/catalog';
import type { CType, EventSpec, FieldSpec } from '../events/types';

interface EventIndex {
  readonly fields: ReadonlyMap<string, FieldSpec>;
  readonly names: readonly string[];
  readonly ranges: ReadonlyMap<string, readonly [number, number]>;
}

const INDEX = new WeakMap<EventSpec, EventIndex>();

const LIMITS: Partial<Record<CType, readonly [number, number]>> = {
  u16: [0, 0xffff],
  s16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  s32: [-0x80000000, 0x7fffffff],
  u64: [0, Number.MAX_SAFE_INTEGER],
};

function indexOf(event: EventSpec): EventIndex {
  let index = INDEX.get(event);
  if (!index) {
    const all = fieldsOf(event);
    const ranges = new Map<string, readonly [number, number]>();
    for (const m of [...HEADER_MEMBERS, ...event.members]) {
      const limits = m.field ? LIMITS[m.ctype] : undefined;
      if (!m.field || !limits) continue;
      const scale = m.scale ?? 1;
      ranges.set(m.field, [limits[0] * scale, Math.min(limits[1] * scale, Number.MAX_SAFE_INTEGER)]);
    }
    index = { fields: new Map(all.map((f) => [f.name, f])), names: all.map((f) => f.name), ranges };
    INDEX.set(event, index);
  }
  return index;
}

export function fieldNamed(event: EventSpec, name: string): FieldSpec | undefined {
  return indexOf(event).fields.get(name);
}

/** All field names of the event, common ones first (for "did you mean"). */
export function fieldNames(event: EventSpec): readonly string[] {
  return indexOf(event).names;
}

/**
 * The values a numeric field can take, from its C member type: enough to
 * see that `pid < 0` or `uid > 2^32` can never hold. Derived fields have none.
 */
export function fieldRange(event: EventSpec, field: string): readonly [number, number] | undefined {
  return indexOf(event).ranges.get(field);
}
