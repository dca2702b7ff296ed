/**
 * Mistakes in kernwatch.yaml. `message` is one line per problem, which the
 * CLI prints as is, then exits 1: `kernwatch.yaml:7:10: notifiers.oncall.url:
 * must be a URL`. Past SHOWN_MAX problems, one line says how many more.
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

const SHOWN_MAX = 50;

function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  if (problems.length === 0) return `${file}: invalid configuration`;
  const shown = problems.slice(0, SHOWN_MAX).map((p) => formatProblem(file, p));
  if (problems.length > SHOWN_MAX) shown.push(`${file}: and ${problems.length - SHOWN_MAX} more problems`);
  return shown.join('\n');
}
