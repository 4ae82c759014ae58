import { ConfigError, configDomains, nameBudget } from '@branch-env/core';
import type { ParsedArgs } from '../../private/command.js';
import { configFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';

export function run(args: ParsedArgs, io: Io): number {
  try {
    const { config, file } = configFrom(args, io, { checkFiles: true });
    const budget = nameBudget(config.app, configDomains(config));
    if (args.values.json) {
      printJson(io, { ok: true, file, issues: [], nameBudget: budget });
    } else {
      io.out(
        `${file} is valid: ${config.rules.length} rules, ${Object.keys(config.accounts).length} accounts, ${Object.keys(config.profiles).length} profiles\n` +
          `environment names are at most ${budget.maxLength} characters (tightest: ${budget.terms.find((t) => t.maxEnvironmentLength === budget.maxLength)?.thing})\n`,
      );
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ConfigError && args.values.json) {
      printJson(io, { ok: false, file: error.file ?? null, issues: error.issues });
      io.err(`error: ${error.message}\n`);
      return EXIT.user;
    }
    throw error;
  }
}
