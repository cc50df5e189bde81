// `npm run bench`: runs the benchmarks in turn (BENCH=name to pick one) and prints their figures.
// The long ones (fuzz, soak, fleet) run only when named.

import { main as zone } from './zone-vs-unbound.js';
import { main as k8s } from './k8s-latency.js';
import { main as hotPath } from './handler-hot-path.js';
import { main as metrics } from './metrics-overhead.js';
import { main as instructions } from './metrics-instructions.js';
import { main as forward } from './forward.js';
import { main as reconcilerLatency } from './reconciler-latency.js';
import { main as reconcilerOutages } from './reconciler-outages.js';
import { main as objectsFile } from './objects-file-load.js';
import { main as fuzz } from './fuzz.js';
import { main as soak } from './soak.js';
import { main as fleet } from './fleet.js';

// BENCH=reconciler runs both reconciler benches; BENCH_RECONCILER=latency or outages picks one.
const reconciler = async (): Promise<void> => {
  const part = process.env['BENCH_RECONCILER'];
  if (part !== 'outages') await reconcilerLatency();
  if (part !== 'latency') await reconcilerOutages();
};

const benches: Record<string, () => Promise<void>> = { 'hot-path': hotPath, zone, forward, metrics, instructions, k8s, reconciler, 'objects-file': objectsFile };

const namedOnly: Record<string, () => Promise<void>> = { fuzz, soak, fleet };

const pick = process.env['BENCH'];
const names = pick ? pick.split(',') : Object.keys(benches);
for (const n of names) {
  const b = benches[n] ?? namedOnly[n];
  if (!b) throw new Error(`unknown bench ${n}; have ${[...Object.keys(benches), ...Object.keys(namedOnly)].join(', ')}`);
  await b();
}
