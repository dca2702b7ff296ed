/**
 * Why this kernel cannot run an event, in one line a person can act on:
 * the tracepoint is missing, or the verifier (or libbpf's CO-RE relocation)
 * refused its program, with the verifier's own words.
 */

/** A program the kernel refused at load, as the addon reports it. */
export interface RefusedProgram {
  readonly name: string;
  readonly errno: number;
  /** libbpf's log of the failed load, verifier output included */
  readonly log: string;
}

/** Lines of a verifier log that describe state, not the refusal. */
const NOISE = [
  /^\d+: /, // an instruction, with its register state
  /^; /, // the source line of the next instructions
  /^(processed|verification time|stack depth|max_states_per_insn) /,
  /^R\d+/, // register state
  /^from \d+ to \d+/,
  /^-- (BEGIN|END) PROG LOAD LOG --/,
  /^libbpf: /,
  /^\s*$/,
];

/**
 * The verifier's reason for refusing a program: the last lines of its log
 * that are not instructions or register state (`func 'x' doesn't have 2-th
 * argument`, `failed to resolve CO-RE relocation ...`). Falls back to what
 * libbpf said about the program when there is no verifier log.
 */
export function verifierReason(refused: RefusedProgram, maxLines = 2): string {
  const log = refused.log;
  const begin = log.indexOf('-- BEGIN PROG LOAD LOG --');
  const end = log.indexOf('-- END PROG LOAD LOG --', begin);
  if (begin >= 0 && end > begin) {
    const body = log.slice(log.indexOf('\n', begin) + 1, end).split('\n');
    const useful = body.map((l) => l.trim()).filter((l) => !NOISE.some((re) => re.test(l)));
    if (useful.length > 0) return useful.slice(-maxLines).join('; ');
  }
  const mine = `prog '${refused.name}': `;
  const said = log
    .split('\n')
    .map((l) => l.replace(/^libbpf: /, ''))
    .filter((l) => l.startsWith(mine) && !/failed to load: -?\d+$/.test(l))
    .map((l) => l.slice(mine.length).trim());
  return said.length > 0 ? said.slice(-maxLines).join('; ') : `load failed with errno ${refused.errno}`;
}

/** The one line shown for a refused program. */
export function refusalMessage(refused: RefusedProgram): string {
  return `the kernel refused ${refused.name}: ${verifierReason(refused)}`;
}
