export { buildApp, HEALTH_PATHS } from './app.js';
