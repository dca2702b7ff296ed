/**
 * The CLI edge: dispatches commands and turns every error a user can cause
 * into one line and an exit status. Stack traces are for bugs only.
 */
import { eventsCommand } from './events_command';
import { rulesCommand } from './rules_command';
import { tailCommand } from './tail_command';
import { recordCommand } from './record_command';
import { runCommand } from './run_command';
import { UsageError } from './usage_error';
import { KernelSessionError } from '../kernel/session';

const USAGE = `usage: kernwatch <command> [options]

commands:
  events [--json]                               list the events kernwatch can watch
  tail [EVENT...] [--duration S] [--json]       stream live events (all if none named;
                                                'process.*' names a family)
  rules check [--config FILE] PATH...           check rule files (directories: every *.rules)
  rules fmt [--check] PATH...                   rewrite rule files in the canonical layout
  rules explain [--config FILE] PATH...         where each condition is decided: kernel maps, kernel
                                                counters or userspace, and the map entries
  rules test PATH... [--duration 30s] [--config FILE] [--json] [--send]
                                                run rules on this host and show what would fire
  rules test PATH... --replay FILE [--expect FILE]
                                                replay recorded events, compare with expectations
  record [EVENT...] --duration S -o FILE        record live events as JSON lines for replays
  run --config FILE [--watch] [--host NAME]     the agent: run the config's rules, send alerts, serve
                                                /metrics; SIGHUP (or a rule file change with --watch)
                                                reloads
`;

type Command = (args: readonly string[]) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  events: eventsCommand,
  tail: tailCommand,
  record: recordCommand,
  rules: rulesCommand,
  run: runCommand,
};

export async function main(argv: readonly string[]): Promise<number> {
  // `kernwatch events | head`: a closed pipe ends the output, not the process with a trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`kernwatch: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  try {
    return await command(args);
  } catch (e) {
    return reportError(e);
  }
}

function reportError(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`kernwatch: ${e.message}\n`);
    return 2;
  }
  if (e instanceof KernelSessionError) {
    process.stderr.write(`kernwatch: ${e.message}\n`);
    if (e.detail && process.env.KERNWATCH_DEBUG) process.stderr.write(`${e.detail}\n`);
    else if (e.detail) {
      // the reason libbpf gave is in its last lines; the whole log on demand
      const last = e.detail.split('\n').filter((l) => l.trim() !== '').slice(-3);
      for (const line of last) process.stderr.write(`kernwatch:   ${line.trim()}\n`);
      process.stderr.write('kernwatch:   (KERNWATCH_DEBUG=1 shows libbpf\'s whole log)\n');
    }
    return e.exitCode;
  }
  // node:util parseArgs reports unknown options with this code
  if (e instanceof Error && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`kernwatch: ${e.message}\n`);
    return 2;
  }
  throw e;
}
