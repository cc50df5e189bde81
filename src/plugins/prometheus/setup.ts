// `prometheus [ADDR]`, default :9153. CoreDNS's default is localhost:9153; in a pod the scraper
// comes from outside, so we listen on every interface, as the Kubernetes CoreDNS Corefile asks.

import { forEachOption } from '../../corefile/args.js';
import { listenAddressArg, requireOperations } from '../../ops/require-operations.js';
import { serverLabels } from '../../dns/server-label.js';
import type { PluginFactory } from '../setup-context.js';
import { PrometheusPlugin } from './prometheus-plugin.js';

export const prometheusFactory: PluginFactory = {
  name: 'prometheus',
  setup(d, ctx) {
    const addr = listenAddressArg(d, ':9153');
    forEachOption(d, {});
    const port = ctx.port;
    return new PrometheusPlugin(
      // The labels the block's listeners put on each Request (dns/server.ts): one per bind address.
      { addr, servers: () => serverLabels(ctx.settings.bind, port), zones: ctx.zones },
      requireOperations(d, ctx),
      ctx.runtime.metrics,
      ctx.runtime.clock,
    );
  },
};
