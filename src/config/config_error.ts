/**
 * A mistake in kernwatch.yaml. `message` is one line the CLI prints as is,
 * then exits 1: `kernwatch.yaml:7:10: notifiers.oncall.url: must be a URL`.
 */
export interface ConfigProblem {
  /** dotted path in the file, e.g. "notifiers.oncall.url"; "" for the whole file */
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(file, problems));
  }
}

export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  const first = problems[0];
  if (!first) return `${file}: invalid configuration`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return formatProblem(file, first) + more;
}
