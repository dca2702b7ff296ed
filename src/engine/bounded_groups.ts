/**
 * Per-group state with a cap on live groups: the least recently touched group
 * is evicted first, and evictions are counted so that a rule grouping by a
 * field with unbounded values (pid, comm) shows up in metrics, not in memory.
 */
export class BoundedGroups<T> {
  private readonly groups = new Map<string, T>();
  /** the most recently touched key: touching it again changes no order */
  private newest: string | undefined;
  evictions = 0;

  constructor(private readonly cap: number) {}

  get size(): number {
    return this.groups.size;
  }

  get(key: string): T | undefined {
    return this.groups.get(key);
  }

  /** The group's state if it has one, marked most recent. */
  refresh(key: string): T | undefined {
    const value = this.groups.get(key);
    if (value === undefined || key === this.newest) return value;
    this.groups.delete(key);
    this.groups.set(key, value);
    this.newest = key;
    return value;
  }

  /** The group's state, created with `make` if new; marks it most recent. */
  touch(key: string, make: () => T): T {
    const known = this.refresh(key);
    if (known !== undefined) return known;
    const value = make();
    if (this.groups.size >= this.cap) {
      const oldest = this.groups.keys().next().value as string;
      this.groups.delete(oldest);
      this.evictions++;
    }
    this.groups.set(key, value);
    this.newest = key;
    return value;
  }

  delete(key: string): void {
    this.groups.delete(key);
    if (key === this.newest) this.newest = undefined;
  }

  entries(): IterableIterator<[string, T]> {
    return this.groups.entries();
  }

  /** Least recently touched first, as restore() takes them back. */
  toArray(): [string, T][] {
    return [...this.groups.entries()];
  }

  restore(entries: readonly (readonly [string, T])[]): void {
    this.groups.clear();
    this.newest = undefined;
    for (const [key, value] of entries.slice(-this.cap)) this.groups.set(key, value);
  }
}
