/**
 * `kernwatch run --config kernwatch.yaml [--watch]`: the agent. Startup
 * mistakes (config, rules, no BPF, a busy state_dir) are printed like every
 * other command's, then the agent logs JSON lines on stderr. SIGHUP
 * reloads the rules; SIGTERM or SIGINT detach, flush and exit 0.
 */
import { parseArgs } from 'node:util';
import { Agent } from '../agent/agent';
import { jsonLog } from '../agent/log';
import { MetricsListenError } from '../agent/metrics_server';
import { loadRuleSet } from '../agent/rule_set';
import { StateDirError } from '../notifiers/dispatcher';
import { readConfig } from './load_rules';
import { untilSignalOr } from './signals';
import { UsageError } from './usage_error';

export async function runCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    // --host: the node's name in a container, whose own host name is the pod's
    options: { config: { type: 'string' }, watch: { type: 'boolean', default: false }, host: { type: 'string' } },
    strict: true,
  });
  if (values.config === undefined) throw new UsageError('run: --config is required');
  // from here on a signal must not kill the agent half-started: SIGHUP waits
  // for the agent, SIGTERM stops it as soon as it is up
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
    try {
      agent = await Agent.start(config, loaded.ruleSet, { log: jsonLog(config.logLevel), watch: values.watch === true });
    } catch (e) {
      if (!(e instanceof StateDirError || e instanceof MetricsListenError)) throw e;
      process.stderr.write(`kernwatch: ${e.message}\n`);
      return 1;
    }
    if (reloadWhenUp) void agent.reload('SIGHUP');
    const failed = await Promise.race([stopSignal.then(() => false), agent.failed]).catch(() => true);
    await agent.stop();
    return failed ? 1 : 0;
  } finally {
    process.off('SIGHUP', onHangup);
  }
}
