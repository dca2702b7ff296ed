/**
 * What `kernwatch COMMAND --help` prints, and the usage line a usage error
 * ends with: one place for every command's synopsis, so they cannot drift.
 */
interface CommandHelp {
  readonly usage: readonly string[];
  readonly text: string;
}

export const HELP: Readonly<Record<string, CommandHelp>> = {
  events: {
    usage: ['kernwatch events [--json]'],
    text: `List the events kernwatch can watch, their fields, and whether this kernel runs each.

  --json    the catalog as JSON`,
  },
  tail: {
    usage: ['kernwatch tail [EVENT...] [--duration S] [--json]'],
    text: `Stream live events (all if none is named; 'process.*' names a family), then say
how many were seen, delivered and lost. Needs root (or CAP_BPF and CAP_PERFMON).

  --duration S   stop after S (15s, 2m); default: until Ctrl-C
  --json         one JSON object a line`,
  },
  record: {
    usage: ['kernwatch record [EVENT...] --duration S -o FILE'],
    text: `Record live events as JSON lines, for 'rules test --replay'.

  --duration S   how long to record (15s, 2m)
  -o FILE        where to write`,
  },
  'rules check': {
    usage: ['kernwatch rules check [--config FILE] PATH...'],
    text: `Check rule files (a directory: every *.rules below it). Every problem is printed
with file:line:col; any error exits 1.

  --config FILE  also check that each rule's notifiers exist in this config`,
  },
  'rules fmt': {
    usage: ['kernwatch rules fmt [--check] PATH...'],
    text: `Rewrite rule files in the canonical layout, saying which files changed.

  --check        change nothing: show the diff of each file that is not formatted, exit 1`,
  },
  'rules explain': {
    usage: ['kernwatch rules explain [--config FILE] PATH...'],
    text: `Show, per rule, where each condition is decided (kernel maps, kernel counters or
userspace), the map entries written for it, and what a rule that ships every
event of a high-rate kind costs. No root needed.`,
  },
  'rules test': {
    usage: [
      'kernwatch rules test PATH... [--duration 30s] [--scope CGROUP] [--config FILE] [--json] [--send]',
      'kernwatch rules test PATH... --replay FILE [--expect FILE] [--json]',
    ],
    text: `Run rules on this host for a while and show what would fire (needs root), or
replay a recording and compare the alerts with expectations (no root).

  --duration D   how long to watch the host (default 30s)
  --scope CGROUP only what happens in this v2 cgroup, which the rules see as / (as a
                 container's cgroup namespace would): "/prod/**" means CGROUP/prod/**
  --config FILE  check notifiers against this config; with --send, send there
  --send         send what fires, marked [TEST]
  --replay FILE  events recorded by 'kernwatch record'
  --expect FILE  the alerts the replay must raise (YAML, see docs/rules.md)
  --json         one JSON object per alert`,
  },
  run: {
    usage: ['kernwatch run --config FILE [--watch] [--host NAME]'],
    text: `The agent: run the config's rules, send alerts, serve /metrics. SIGHUP (or, with
--watch, a change to a rule file) reloads the rules; SIGTERM stops.

  --config FILE  the configuration (see kernwatch.example.yaml)
  --watch        reload when a rule file changes
  --host NAME    the host name put on alerts (default: the config's, else this machine's)`,
  },
  lsp: {
    usage: ['kernwatch lsp [--stdio]'],
    text: `The language server for .rules files, speaking LSP on stdin and stdout: the
diagnostics of 'rules check' as you type (with the notifiers of a kernwatch.yaml
found above the file), completion, hover, go to definition and references for
lets, formatting and quick fixes. Editors start it; see docs/editors.md.

  --stdio        the transport (the only one; accepted because editors pass it)`,
  },
  version: { usage: ['kernwatch version'], text: 'Print the version.' },
};

const TOP = `usage: kernwatch <command> [options]

commands:
${Object.values(HELP)
  .flatMap((h) => h.usage.map((u) => `  ${u.slice('kernwatch '.length)}`))
  .join('\n')}

'kernwatch COMMAND --help' says more about each.
`;

export function topHelp(): string {
  return TOP;
}

/** `rules check` for `rules check x.rules`, `tail` for `tail`; undefined when unknown. */
export function commandKey(argv: readonly string[]): string | undefined {
  const [name, sub] = argv;
  if (name === undefined) return undefined;
  if (name === 'rules') return sub !== undefined && HELP[`rules ${sub}`] ? `rules ${sub}` : 'rules';
  return HELP[name] ? name : undefined;
}

export function commandHelp(key: string): string {
  if (key === 'rules')
    return `usage:\n${Object.keys(HELP)
      .filter((k) => k.startsWith('rules '))
      .map((k) => `  ${HELP[k]?.usage.join('\n  ') ?? ''}`)
      .join('\n')}\n\n'kernwatch rules SUBCOMMAND --help' says more about each.\n`;
  const h = HELP[key];
  return h ? `usage: ${h.usage.join('\n       ')}\n\n${h.text}\n` : TOP;
}

/** The usage lines a usage error ends with. */
export function usageLines(key: string | undefined): string {
  if (key === undefined) return 'usage: kernwatch <command> [options] (kernwatch --help lists them)';
  if (key === 'rules') return 'usage: kernwatch rules check|fmt|explain|test ... (kernwatch rules --help)';
  const h = HELP[key];
  return h ? `usage: ${h.usage.join('\n       ')}` : usageLines(undefined);
}
