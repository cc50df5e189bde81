// CoreDNS's `server` metric label: `dns://[BIND]:PORT` (net.JoinHostPort, so IPv6 is bracketed),
// one per listen address: what the listener puts on each Request and what plugins register under.

export function serverLabel(bind: string, port: number): string {
  const host = bind.includes(':') ? `[${bind}]` : bind;
  return `dns://${host}:${port}`;
}

/** One label per listen address; a block without `bind` listens everywhere: `dns://:PORT`. */
export function serverLabels(bind: readonly string[], port: number): string[] {
  return bind.length === 0 ? [serverLabel('', port)] : bind.map((b) => serverLabel(b, port));
}
