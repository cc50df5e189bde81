// CoreDNS-style command line: `-conf FILE [-dns.port N] [-version] [-plugins]` (one or two dashes).

export interface CliArgs {
  readonly conf: string;
  readonly dnsPort: number;
  readonly version: boolean;
  readonly plugins: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: readonly string[]): CliArgs {
  let conf = 'Corefile';
  let dnsPort = 53;
  let version = false;
  let plugins = false;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const [flag, inline] = raw.replace(/^--?/, '-').split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`flag needs an argument: ${flag}`);
      return v;
    };
    switch (flag) {
      case '-conf':
        conf = value();
        break;
      case '-dns.port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`invalid value "${v}" for flag -dns.port`);
        dnsPort = Number(v);
        break;
      }
      case '-version':
        version = true;
        break;
      case '-plugins':
        plugins = true;
        break;
      default:
        throw new UsageError(`flag provided but not defined: ${flag}`);
    }
  }
  return { conf, dnsPort, version, plugins };
}
