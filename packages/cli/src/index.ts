export { main, COMMANDS, VERSION } from './cli.js';
export type { Io } from './private/io.js';
