export { runSet as run } from './secret.js';
