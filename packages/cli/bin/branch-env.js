#!/usr/bin/env node
import { dropSdkNodeVersionWarning } from '../dist/private/warnings.js';

dropSdkNodeVersionWarning();
const { main } = await import('../dist/cli.js');

process.exitCode = await main(process.argv.slice(2));
