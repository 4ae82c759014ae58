/**
 * One structured JSON log line on stdout, shaped like the request logs (pino: numeric `level`,
 * `time`, `msg`), for what happens outside a request: startup, shutdown, background errors.
 */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

export type LogLevel = keyof typeof LEVELS;
export type LogWrite = (line: string) => void;

export function logLine(
  level: LogLevel,
  msg: string,
  fields: Record<string, unknown> = {},
  write: LogWrite = (l) => process.stdout.write(l),
): void {
  write(JSON.stringify({ level: LEVELS[level], time: Date.now(), ...fields, msg }) + '\n');
}
