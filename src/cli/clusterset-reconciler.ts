#!/usr/bin/env node
// The `clusterset-reconciler` bin: checks the runtime and carries the reconciler's V8 flags
// (launch.ts), then runs the reconciler (reconciler-main.ts). It takes the server's cap on V8's
// young generation for the same reason: watch streams and relists allocate much short-lived data.

import { launch } from './launch.js';

await launch({ program: 'clusterset-reconciler', main: new URL('./reconciler-main.js', import.meta.url), nodeFlags: ['--max-semi-space-size=8'] });
