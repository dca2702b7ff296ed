/**
 * The CLI edge: dispatches commands and turns every error a user can cause
 * into one line and an exit status. Stack traces are for bugs only.
 */
import { UsageError } from './usage_error';
import { KernelSessionError } from '../live/session_error';
import { kernwatchVersion } from '../config/version';
import { commandHelp, commandKey, topHelp, usageLines } from './help';

type Command = (args: readonly string[]) => number | Promise<number>;

// Each command's modules load when it runs: `rules check` needs neither the
// addon nor the notifiers, `--help` needs none of them (start-up is paid on
// every save in an editor and every CI run).
const COMMANDS: Record<string, Command> = {
  events: async (args) => (await import('./events_command')).eventsCommand(args),
  tail: async (args) => (await import('./tail_command')).tailCommand(args),
  record: async (args) => (await import('./record_command')).recordCommand(args),
  rules: async (args) => (await import('./rules_command')).rulesCommand(args),
  lsp: async (args) => (await import('./lsp_command')).lspCommand(args),
  run: async (args) => (await import('./run_command')).runCommand(args),
  version: () => {
    process.stdout.write(`kernwatch ${kernwatchVersion()}\n`);
    return 0;
  },
};

const HELP_FLAGS = new Set(['--help', '-h']);

export async function main(argv: readonly string[]): Promise<number> {
  // `kernwatch events | head`: a closed pipe ends the output, not the process with a trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(topHelp());
    return 2;
  }
  if (HELP_FLAGS.has(name) || name === 'help') {
    process.stdout.write(args.length > 0 ? commandHelp(commandKey(args) ?? '') : topHelp());
    return 0;
  }
  if (name === '--version') return COMMANDS.version!([]);
  const command = COMMANDS[name];
  const key = commandKey(argv);
  if (!command) return usageError(`unknown command '${name}'`, undefined);
  // --help anywhere before a `--` asks for help, whatever else is on the line
  const beforeDashes = args.indexOf('--') < 0 ? args : args.slice(0, args.indexOf('--'));
  if (beforeDashes.some((a) => HELP_FLAGS.has(a))) {
    process.stdout.write(commandHelp(key ?? name));
    return 0;
  }
  try {
    return await command(args);
  } catch (e) {
    return reportError(e, key);
  }
}

/** One line saying what is wrong, then the usage: exit 2. */
function usageError(message: string, key: string | undefined): number {
  process.stderr.write(`kernwatch: ${message}\n${usageLines(key)}\n`);
  return 2;
}

/** `Unknown option '--x'. To specify a positional argument...` as `unknown option '--x'`. */
function parseArgsMessage(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  const option = /'(-[^']*)'/.exec(e.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option '${option}'`;
  const quoted = /'([^']*)'/.exec(e.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument${quoted !== undefined ? ` '${quoted}'` : ''}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return e.message.split('.')[0] ?? e.message;
  return e.message;
}

function reportError(e: unknown, key: string | undefined): number {
  if (e instanceof UsageError) return usageError(e.message, key);
  if (e instanceof KernelSessionError) {
    process.stderr.write(`kernwatch: ${e.message}\n`);
    if (e.detail && process.env.KERNWATCH_DEBUG) process.stderr.write(`${e.detail}\n`);
    else if (e.detail) {
      // the reason libbpf gave is in its last lines; the whole log on demand
      const last = e.detail
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(-3);
      for (const line of last) process.stderr.write(`kernwatch:   ${line.trim()}\n`);
      process.stderr.write("kernwatch:   (KERNWATCH_DEBUG=1 shows libbpf's whole log)\n");
    }
    return e.exitCode;
  }
  // node:util parseArgs reports unknown options with this code
  if (e instanceof Error && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) return usageError(parseArgsMessage(e), key);
  throw e;
}
