export { runRemove as run } from './secret.js';
