/** Where the config bus says what it did on its own: stale values served, baseline fallbacks. */
export interface Logger {
  readonly info: (message: string) => void;
  readonly warn: (message: string) => void;
}

/** Lines on stderr, prefixed `[config-bus]`. */
export const consoleLogger: Logger = {
  info: (m) => console.error(`[config-bus] ${m}`),
  warn: (m) => console.error(`[config-bus] ${m}`),
};

/** Says nothing (tests that assert on results only). */
export const silentLogger: Logger = { info: () => {}, warn: () => {} };
