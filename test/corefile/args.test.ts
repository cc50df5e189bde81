import { describe, expect, it } from 'vitest';
import { durationArg, expectArgs, forEachOption, intArg, noBlock, normalizeZone, normalizeZones, zonesArg } from '../../src/corefile/args.js';
import { ConfigError, type Directive } from '../../src/corefile/types.js';

function directive(name: string, args: string[] = [], block: Directive[] | null = null, line = 4): Directive {
  return { name, args, block, file: 'Corefile', line };
}

/** Runs `f` and returns its error message, or 'ok' / the value's JSON when it does not throw. */
function outcome(f: () => unknown): string {
  try {
    const v = f();
    return v === undefined ? 'ok' : JSON.stringify(v);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
}

describe('expectArgs', () => {
  it.each<[string[], number, number, string]>([
    [['5'], 1, 1, '["5"]'],
    [[], 0, 1, '[]'],
    [['a', 'b', 'c'], 1, Infinity, '["a","b","c"]'],
    [[], 1, 1, "Corefile:4: wrong argument count or unexpected line ending after 'ttl': expected 1 argument, got 0"],
    [['1', '2'], 1, 1, "expected 1 argument, got 2"],
    [['1', '2'], 0, 1, 'expected at most 1 argument, got 2'],
    [['1', '2', '3'], 0, 2, 'expected at most 2 arguments, got 3'],
    [[], 1, Infinity, 'expected at least 1 argument, got 0'],
    [[], 2, Infinity, 'expected at least 2 arguments, got 0'],
    [['1'], 2, 3, 'expected 2 to 3 arguments, got 1'],
  ])('%j in %i..%i', (args, min, max, want) => {
    expect(outcome(() => expectArgs(directive('ttl', args), min, max))).toContain(want);
  });
});

describe('intArg', () => {
  const limits = { min: 0, max: 3600, what: 'TTL' };
  it.each<[string, string]>([
    ['0', '0'],
    ['3600', '3600'],
    ['+5', '5'],
    ['007', '7'],
    ['3601', "Corefile:4: 'ttl': TTL 3601 is out of range: expected an integer from 0 to 3600"],
    ['-1', 'TTL -1 is out of range'],
    ['5s', "Corefile:4: 'ttl': invalid TTL '5s': expected an integer from 0 to 3600"],
    ['1.5', "invalid TTL '1.5'"],
    ['', "invalid TTL ''"],
    ['0x10', "invalid TTL '0x10'"],
    ['1e3', "invalid TTL '1e3'"],
  ])('%j', (value, want) => {
    expect(outcome(() => intArg(directive('ttl'), value, limits))).toContain(want);
  });
});

describe('durationArg', () => {
  it.each<[string, { min?: number; max?: number }, string]>([
    ['5s', {}, '5000'],
    ['1m30s', { min: 1000, max: 3_600_000 }, '90000'],
    ['0', {}, '0'],
    ['500ms', { min: 1000 }, "Corefile:4: 'lameduck': duration 500ms is too short: the minimum is 1s"],
    ['2h', { max: 3_600_000 }, "'lameduck': duration 2h is too long: the maximum is 1h0m0s"],
    ['5', {}, "Corefile:4: 'lameduck': invalid duration '5': expected a duration such as 500ms, 5s or 1m30s"],
    ['-1s', {}, "invalid duration '-1s'"],
  ])('%j %j', (value, limits, want) => {
    expect(outcome(() => durationArg(directive('lameduck'), value, { ...limits, what: 'duration' }))).toContain(want);
  });
});

describe('noBlock', () => {
  it('accepts a directive without a block', () => {
    expect(outcome(() => noBlock(directive('loop')))).toBe('ok');
  });
  it.each([[[]], [[directive('x')]]])('rejects a block (%j)', (block) => {
    expect(outcome(() => noBlock(directive('loop', [], block)))).toBe("Corefile:4: 'loop' does not take a block");
  });
});

describe('forEachOption', () => {
  it('calls the handler of each option in order', () => {
    const seen: string[] = [];
    const d = directive('forward', ['.', '1.1.1.1'], [directive('force_tcp', [], null, 5), directive('max_fails', ['3'], null, 6)]);
    forEachOption(d, {
      force_tcp: (o) => seen.push(`${o.name}@${o.line}`),
      max_fails: (o) => seen.push(`${o.name} ${o.args.join(' ')}@${o.line}`),
    });
    expect(seen).toEqual(['force_tcp@5', 'max_fails 3@6']);
  });

  it('does nothing without a block', () => {
    expect(outcome(() => forEachOption(directive('forward'), {}))).toBe('ok');
  });

  it.each(['bogus', 'toString', '__proto__', 'constructor'])('rejects unknown option %j at its own line', (name) => {
    const d = directive('forward', [], [directive('force_tcp', [], null, 5), directive(name, [], null, 9)]);
    expect(outcome(() => forEachOption(d, { force_tcp: () => {} }))).toBe(`Corefile:9: unknown option '${name}' for 'forward'`);
  });
});

describe('normalizeZone and zonesArg', () => {
  const where = { file: 'Corefile', line: 2 };
  it.each<[string, string]>([
    ['ClusterSet.Local', '"clusterset.local."'],
    ['clusterset.local.', '"clusterset.local."'],
    ['.', '"."'],
    ['10.0.0.0/24', '"0.0.10.in-addr.arpa."'],
    ['fd00::/64', '"0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa."'],
    ['10.0.0.0/20', "Corefile:2: '10.0.0.0/20' stands for 16 reverse zones here, where one zone is expected"],
    ['a..b', "Corefile:2: zone 'a..b' is not a valid domain name"],
    ['', 'Corefile:2: zone is empty'],
    ['example.org:53', 'not a valid domain name'],
  ])('%j', (zone, want) => {
    expect(outcome(() => normalizeZone(zone, where))).toContain(want);
  });

  it('falls back to the block zones when there are no arguments', () => {
    expect(zonesArg([], ['a.local.', 'b.local.'], where)).toEqual(['a.local.', 'b.local.']);
    expect(zonesArg(['C.local', '10.0.0.0/8'], ['a.local.'], where)).toEqual(['c.local.', '10.in-addr.arpa.']);
    expect(outcome(() => zonesArg(['a..b'], ['a.local.'], where))).toContain('Corefile:2:');
  });

  it('expands a CIDR off a label boundary into every reverse zone it covers (zones arguments)', () => {
    expect(zonesArg(['10.0.0.0/15', 'x.local'], [], where)).toEqual(['0.10.in-addr.arpa.', '1.10.in-addr.arpa.', 'x.local.']);
    expect(normalizeZones('10.96.0.0/12', where)).toHaveLength(16);
  });
});
