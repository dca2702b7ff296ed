/**
 * `kernwatch run --config kernwatch.yaml [--watch]`: the agent. Startup
 * mistakes (config, rules, no BPF, a busy state_dir) are printed like every
 * other command's, then the agent logs JSON lines on stderr. SIGHUP
 * reloads the rules; SIGTERM or SIGINT detach, flush and exit 0, also
 * during start-up.
 */
import { parseArgs } from 'node:util';
import { Agent } from '../agent/agent';
import { jsonLog, type AgentLog } from '../agent/log';
import { MetricsListenError } from '../agent/metrics_server';
import { loadRuleSet } from '../agent/rule_set';
import { StateDirError } from '../notifiers/dispatcher';
import { readConfig } from './load_rules';
import { untilSignalOr } from './signals';
import { UsageError } from './usage_error';

/**
 * How long a start-up interrupted by SIGTERM may still take before the
 * process exits without it: stopping then takes up to 10 s more (the flush),
 * inside the service manager's 30 s.
 */
const STARTUP_STOP_MS = 10_000;

export async function runCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    // --host: the node's name in a container, whose own host name is the pod's
    options: { config: { type: 'string' }, watch: { type: 'boolean', default: false }, host: { type: 'string' } },
    strict: true,
  });
  if (values.config === undefined) throw new UsageError('run: --config is required');
  // from here on a signal must not kill the agent half-started: SIGHUP waits
  // for the agent, SIGTERM stops it as soon as it is up (or exits, bounded)
  let agent: Agent | undefined;
  let reloadWhenUp = false;
  const onHangup = (): void => {
    if (agent) void agent.reload('SIGHUP');
    else reloadWhenUp = true;
  };
  process.on('SIGHUP', onHangup);
  const stopSignal = untilSignalOr(undefined);
  try {
    const read = readConfig(values.config);
    if (!read) return 1;
    const config = values.host === undefined ? read : { ...read, host: values.host };
    const loaded = loadRuleSet(config);
    if (!loaded.ok) {
      for (const p of loaded.problems) process.stderr.write(`${p}\n`);
      process.stderr.write(`kernwatch: not starting: the rules have errors (${loaded.problems.length})\n`);
      return 1;
    }
    const log = jsonLog(config.logLevel);
    const starting = Agent.start(config, loaded.ruleSet, { log, watch: values.watch === true });
    const first = await Promise.race([starting, stopSignal.then(() => 'stopped' as const)]).catch(startError);
    if (first === 1) return 1;
    if (first === 'stopped') return await stopWhileStarting(starting, log);
    agent = first;
    if (reloadWhenUp) void agent.reload('SIGHUP');
    const failed = await Promise.race([stopSignal.then(() => false), agent.failed]).catch(() => true);
    await agent.stop();
    return failed ? 1 : 0;
  } finally {
    process.off('SIGHUP', onHangup);
  }
}

/** A start-up mistake a user can make, as one line and exit 1; anything else is a bug and goes on up. */
function startError(e: unknown): 1 {
  if (!(e instanceof StateDirError || e instanceof MetricsListenError)) throw e;
  process.stderr.write(`kernwatch: ${e.message}\n`);
  return 1;
}

/**
 * SIGTERM came before the agent was up: it is stopped as soon as its
 * start-up ends. A start-up that does not end (a disk that never answers)
 * must not keep the process past its stop timeout: after STARTUP_STOP_MS it
 * exits anyway, and what the outboxes hold is delivered at the next start.
 */
async function stopWhileStarting(starting: Promise<Agent>, log: AgentLog): Promise<number> {
  log.info({ waitMs: STARTUP_STOP_MS }, 'stopping: the signal came during start-up');
  const bound = setTimeout(() => {
    log.error({ waitedMs: STARTUP_STOP_MS }, 'start-up did not end after the stop signal; exiting without it');
    process.exit(1);
  }, STARTUP_STOP_MS);
  try {
    const agent = await starting.catch(startError);
    if (agent === 1) return 1;
    await agent.stop();
    return 0;
  } finally {
    clearTimeout(bound);
  }
}
