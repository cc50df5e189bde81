// The parsed, not yet validated, shape of a Corefile: server blocks made of keys and directives,
// each carrying the file and line it came from so that every later error can point at it.

export interface Directive {
  readonly name: string;
  readonly args: readonly string[];
  /** The `{ ... }` block after the directive, as sub-directives (option name + args), or null. */
  readonly block: readonly Directive[] | null;
  readonly file: string;
  readonly line: number;
}

export interface ServerKey {
  /** Only plain DNS is served; "dns" is also what a key without a scheme means. */
  readonly scheme: 'dns';
  /** Lower-cased, fully qualified, with the trailing dot ("clusterset.local.", "." for the root). */
  readonly zone: string;
  /** The port written in the key, or null to use `-dns.port`. */
  readonly port: number | null;
  readonly file: string;
  readonly line: number;
}

export interface ServerBlock {
  readonly keys: readonly ServerKey[];
  readonly directives: readonly Directive[];
  readonly file: string;
  readonly line: number;
}

/** A configuration error that names where it is: printed as `FILE:LINE: message`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'ConfigError';
  }

  static at(where: { file: string; line: number }, detail: string): ConfigError {
    return new ConfigError(where.file, where.line, detail);
  }
}
