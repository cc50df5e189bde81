#!/usr/bin/env node
// The `clusterset-dns` bin: checks the runtime and carries the server's V8 flags (launch.ts), then
// runs the server (dns-main.ts). --max-semi-space-size=8 caps V8's young generation at 8 MB a
// semi-space: without it, RSS grows by over 100 MB under a flood of queries or a relist of 10k
// services and stays there (README, "Memory").

import { launch } from './launch.js';

await launch({ program: 'clusterset-dns', main: new URL('./dns-main.js', import.meta.url), nodeFlags: ['--max-semi-space-size=8'] });
