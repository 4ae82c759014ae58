import { ConfigurationError } from './configuration-error.js';
import { logLine } from './observability/log-line.js';
import { startServer } from './server.js';
import { loadSettings } from './settings.js';

/**
 * Entry point of the container. Exit codes: 0 after a clean SIGTERM/SIGINT shutdown, 1 on a
 * configuration error, a database that never answered, or a shutdown that overran its budget.
 */
async function main(): Promise<void> {
  let settings;
  try {
    settings = loadSettings();
  } catch (e) {
    if (!(e instanceof ConfigurationError)) throw e;
    logLine('fatal', e.message, { problems: e.problems });
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  const server = await startServer(settings);
  const budget = settings.shutdownTimeoutMs;
  const stop = (signal: NodeJS.Signals): void => {
    // ECS sends SIGTERM and SIGKILLs after stopTimeout (30 s default): finish before that.
    setTimeout(() => {
      logLine('error', 'shutdown overran its budget; exiting', { budgetMs: budget });
      process.exit(1);
    }, budget).unref();
    server.shutdown(signal).then(
      () => process.exit(0),
      (e: unknown) => {
        logLine('error', 'shutdown failed', { error: e instanceof Error ? e.message : String(e) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  logLine('fatal', 'service failed to start', {
    error: e instanceof Error ? e.message : String(e),
  });
  process.exit(1);
});
