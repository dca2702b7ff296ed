/**
 * The error a kernel session throws for what a user can fix or must know
 * (privileges, BTF, events this kernel lacks): its own module so that the
 * CLI can recognise it without loading the native addon.
 */
/** A problem a user can fix or must know, with no stack trace worth showing. */
export class KernelSessionError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly detail?: string,
  ) {
    super(message);
  }
}
