// Order matters: zod's jitless setting must precede the creation of core's schemas.
import './zod-jitless.js';
import { run } from './main.js';

await run();
