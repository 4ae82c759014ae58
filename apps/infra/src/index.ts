export { buildApp, type BuildAppOptions } from './build-app.js';
