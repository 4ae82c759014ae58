export { runList as run } from './secret.js';
