/**
 * Which programs can run on this kernel, and why not when they cannot: the
 * tracepoint is missing, the verifier refused the program at load, or
 * attaching it failed. Everything else runs: one event this kernel cannot
 * serve never takes the others down.
 */
import type { ProgramInfo } from './native';

/** What availability needs of an event (the catalog's EventSpec has it): its program and tracepoint. */
export interface EventProgram {
  readonly name: string;
  readonly program: string;
  readonly tracepoint: string;
}

export class ProgramAvailability {
  /** program -> whether this kernel defines its tracepoint */
  private readonly tracepoints = new Map<string, boolean>();
  private readonly refusals = new Map<string, string>();

  constructor(programs: readonly ProgramInfo[]) {
    for (const p of programs) this.tracepoints.set(p.name, p.available);
  }

  /** Programs whose tracepoint this kernel defines, refused or not. */
  get present(): string[] {
    return [...this.tracepoints].filter(([, exists]) => exists).map(([name]) => name);
  }

  /** Notes that `program` cannot run here, and why (the first reason is kept). */
  refuse(program: string, reason: string): void {
    if (!this.refusals.has(program)) this.refusals.set(program, reason);
  }

  runnable(program: string): boolean {
    return this.tracepoints.get(program) === true && !this.refusals.has(program);
  }

  /** Why `event` cannot run on this kernel; undefined when it can. */
  reason(event: EventProgram): string | undefined {
    const exists = this.tracepoints.get(event.program);
    if (exists === undefined) return `this build has no program ${event.program}`;
    if (!exists) return `this kernel has no ${event.tracepoint} tracepoint`;
    return this.refusals.get(event.program);
  }

  /** Events of `wanted` that can run, and those that cannot with their reasons. */
  partition<E extends EventProgram>(wanted: readonly E[]): { usable: E[]; unavailable: Map<string, string> } {
    const usable: E[] = [];
    const unavailable = new Map<string, string>();
    for (const e of wanted) {
      const why = this.reason(e);
      if (why === undefined) usable.push(e);
      else unavailable.set(e.name, why);
    }
    return { usable, unavailable };
  }
}
