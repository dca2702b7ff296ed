/**
 * The values a numeric field can take, from its C member type in the
 * catalog: enough to see that `pid < 0` or `uid > 2^32` can never hold.
 */
import { HEADER_MEMBERS } from '../events/catalog';
import type { CType, EventSpec } from '../events/types';

const LIMITS: Partial<Record<CType, readonly [number, number]>> = {
  u16: [0, 0xffff],
  s16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  s32: [-0x80000000, 0x7fffffff],
  u64: [0, Number.MAX_SAFE_INTEGER],
};

export function fieldRange(event: EventSpec, field: string): readonly [number, number] | undefined {
  const member = [...HEADER_MEMBERS, ...event.members].find((m) => m.field === field);
  if (!member) return undefined;
  const limits = LIMITS[member.ctype];
  if (!limits) return undefined;
  const scale = member.scale ?? 1;
  return [limits[0] * scale, Math.min(limits[1] * scale, Number.MAX_SAFE_INTEGER)];
}
