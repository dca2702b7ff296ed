/**
 * The agent's sending half, for the outage test: opens a Dispatcher on a
 * config, optionally raises one alert, then runs until killed, printing its
 * counters as JSON lines so the parent can see it trying.
 *   node outage_child.js CONFIG [raise]
 */
import { loadConfig } from '../../src/config/load_config';
import { Dispatcher } from '../../src/notifiers/dispatcher';
import { oomAlert } from './support';

async function main(): Promise<void> {
  const [configPath, mode] = process.argv.slice(2);
  const d = await Dispatcher.open(loadConfig(configPath ?? ''), { backoff: { baseMs: 100, capMs: 300 } });
  if (mode === 'raise') {
    const alert = oomAlert();
    await Promise.all([d.dispatch('hook', { alert, args: [] }), d.dispatch('chat', { alert, args: [] })]);
    process.stdout.write('queued\n');
  }
  setInterval(() => process.stdout.write(`${JSON.stringify(d.stats())}\n`), 100);
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
