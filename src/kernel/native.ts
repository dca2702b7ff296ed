/** Typed view of the native addon (native/src/binding.cc). */
import * as path from 'node:path';
import type { KernelLimits } from './limits';
import type { RefusedProgram } from './refusal';

export interface ProgramInfo {
  readonly name: string;
  readonly section: string;
  readonly tracepoint: string;
  /** the running kernel defines this tracepoint */
  readonly available: boolean;
}

export interface BpfSessionHandle {
  programs(): ProgramInfo[];
  /** loads the named programs; those this kernel refuses are left out and returned */
  load(programs: readonly string[]): RefusedProgram[];
  /** this session runs the object built without bpf_loop() (kernels before 5.17) */
  readonly compat: boolean;
  attach(program: string): void;
  detach(program: string): void;
  lookup(map: string, key: Buffer): Buffer | null;
  update(map: string, key: Buffer, value: Buffer, flags?: number): void;
  delete(map: string, key: Buffer): boolean;
  /** every entry of a map, read in batches (a get_next_key walk where the kernel has no batch read for it) */
  entries(map: string, options?: EntriesOptions): MapEntries;
  /** deletes `keys` (back to back) in one batch; returns how many of them were there */
  deleteKeys(map: string, keys: Buffer): number;
  /** per loaded program: firings the kernel skipped because it was already running on that CPU */
  recursionMisses(): Record<string, number>;
  /**
   * Starts the reader thread. Each batch comes from the urgent ring or the
   * bulk one; give its bytes back with releaseBatch() once done with it: a
   * lane with maxInFlightBytes not given back takes no more records.
   */
  startReader(
    onBatch: (err: BpfError | null, batch: Buffer | null, urgent: boolean) => void,
    options?: { batchBytes?: number; flushMs?: number; maxInFlightBytes?: number },
  ): void;
  releaseBatch(urgent: boolean, bytes: number): void;
  stopReader(): Promise<void>;
  close(): void;
}

export interface MapEntries {
  /** `count` keys back to back */
  readonly keys: Buffer;
  /** their values in the same order, each as lookup() gives it */
  readonly values: Buffer;
  readonly count: number;
  /** read with get_next_key and a lookup per key, because the kernel refused the batch read */
  readonly walked: boolean;
  /** times the walk lost its place (its key was deleted) and went back to the first key; keys met again are left out */
  readonly restarts: number;
}

export interface EntriesOptions {
  /** walk with get_next_key even where the batch read works */
  readonly walk?: boolean;
  /** entries asked for per batch call (grown when a hash bucket holds more); default: as many as the last read found */
  readonly batchCount?: number;
}

/** What the addon throws for a failed libbpf or kernel call. */
export interface BpfError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly operation: string;
  readonly libbpfLog: string;
}

export interface NativeAddon {
  /** `compat` forces the object built without bpf_loop(); by default the kernel's BTF decides */
  BpfSession: new (options?: { ringBytes?: number; urgentBytes?: number; urgentKinds?: number; wakeupBytes?: number; compat?: boolean }) => BpfSessionHandle;
  /** the libbpf the addon runs with, e.g. "v1.1" (kernwatch_build_info) */
  libbpfVersion(): string;
  possibleCpus(): number;
  recordSizes(): Record<string, number>;
  /** the limits #defined in bpf/kernwatch.h (see limits.ts) */
  constants(): KernelLimits;
  /** resolves once every BPF program running at the call has returned (an RCU grace period; native/src/quiesce.h) */
  quiescePrograms(): Promise<void>;
}

let addon: NativeAddon | undefined;

/** Loads native/build/Release/kernwatch.node once. */
export function nativeAddon(): NativeAddon {
  if (!addon) {
    // dist/src/kernel/native.js -> repository root
    const root = path.resolve(__dirname, '..', '..', '..');
    // a compiled addon is loaded by path: there is no module to import
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(path.join(root, 'native', 'build', 'Release', 'kernwatch.node')) as NativeAddon;
  }
  return addon;
}

/**
 * A session on the object this kernel can load: the kernel's BTF picks the
 * one built without bpf_loop() on kernels before 5.17, unless
 * KERNWATCH_BPF_OBJECT says `compat` or `main` (to test or compare both).
 */
export function openBpfSession(ringBytes: number, urgentBytes: number, urgentKinds: number): BpfSessionHandle {
  const forced = process.env.KERNWATCH_BPF_OBJECT;
  return new (nativeAddon().BpfSession)({
    ringBytes,
    urgentBytes,
    urgentKinds,
    ...(forced === 'compat' || forced === 'main' ? { compat: forced === 'compat' } : {}),
  });
}

export function isBpfError(e: unknown): e is BpfError {
  return e instanceof Error && typeof (e as Partial<BpfError>).errno === 'number';
}
