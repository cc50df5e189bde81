// Parses the HTTP listen addresses the operations plugins take (`:8080`, `localhost:9153`,
// `[::1]:8181`, `127.0.0.1:0`) into a host and port, so that a bad address is a config error at
// setup time rather than a listen failure later.

export interface ListenAddress {
  /** Empty: every interface. */
  readonly host: string;
  readonly port: number;
  /** Canonical text, the key under which endpoints share one HTTP server. */
  readonly key: string;
}

/** Returns the parsed address, or an error message. */
export function parseListenAddress(text: string): ListenAddress | string {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return `bad address ${JSON.stringify(text)}: want [HOST]:PORT`;
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return `bad address ${JSON.stringify(text)}: missing port`;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return `bad address ${JSON.stringify(text)}: IPv6 hosts need brackets`;
  }
  if (!/^[0-9]{1,5}$/.test(portText)) return `bad port in address ${JSON.stringify(text)}`;
  const port = Number(portText);
  if (port > 65535) return `bad port in address ${JSON.stringify(text)}`;
  if (host !== '' && !/^[A-Za-z0-9.:%_-]+$/.test(host)) return `bad host in address ${JSON.stringify(text)}`;
  const key = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, key };
}
