#!/usr/bin/env node
/**
 * This repository's CDK app: one branch's environment.
 *
 *   cd apps/infra && npx cdk synth -c branch=feature/new-login [-c commit=<sha>]
 *
 * The branch is resolved with the root branch-env.config.json (account, region, profile, names);
 * no lookups, no credentials, no Docker are needed to synthesize.
 */
import { UserError } from '@branch-env/core';
import { buildApp } from '../build-app.js';

try {
  buildApp().app.synth();
} catch (error) {
  if (error instanceof UserError) {
    process.stderr.write(`error: ${error.message}\n${error.fix ? `fix: ${error.fix}\n` : ''}`);
    process.exit(1);
  }
  throw error;
}
