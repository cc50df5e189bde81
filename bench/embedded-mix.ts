// What the metrics benches (BENCH=metrics, BENCH=instructions) send and serve: a query mix over
// the embedded default's zone (config/objects.yaml), and a Corefile of one block serving it with
// extra directives (the configuration under test).

export const ZONE = 'clusterset.local';

/** ClusterSetIP (three in eight), headless, per-pod, SRV, AAAA (NODATA) and NXDOMAIN (last). */
export const QUERY_MIX: readonly string[] = [
  `service1.provider-ns.svc.${ZONE} A`,
  `service1.provider-ns.svc.${ZONE} A`,
  `service1.provider-ns.svc.${ZONE} A`,
  `web-db.provider-ns.svc.${ZONE} A`,
  `web-db-0.cluster-east.web-db.provider-ns.svc.${ZONE} A`,
  `_http._tcp.service1.provider-ns.svc.${ZONE} SRV`,
  `service1.provider-ns.svc.${ZONE} AAAA`,
  `missing.provider-ns.svc.${ZONE} A`,
];

/** One block on 127.0.0.1:port serving the objects file, with `extra` directives before multicluster. */
export function mixCorefile(port: number, objects: string, extra: readonly string[]): string {
  return [`${ZONE}:${port} {`, '  bind 127.0.0.1', ...extra.map((d) => `  ${d}`), `  multicluster ${ZONE} {`, `    objects ${objects}`, '    ttl 5', '  }', '}', ''].join('\n');
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
