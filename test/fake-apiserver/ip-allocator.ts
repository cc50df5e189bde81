// ClusterIP allocation from one service CIDR (IPv4 or IPv6): hands out free addresses in order,
// accepts a requested address when it is inside the range and free, and takes them back on delete.

import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 'IPv4' | 'IPv6';

function parseV4(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function parseV6(text: string): bigint {
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** RFC 5952 text: lower case, longest run of two or more zero groups compressed. */
export function formatV6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export class IpAllocator {
  readonly family: IpFamily;
  readonly cidr: string;
  private readonly base: bigint;
  private readonly size: bigint;
  private readonly allocated = new Set<bigint>();
  // Dynamic addresses start above the low ones clusters reserve by convention (.1 kubernetes, .10 DNS).
  private next = 99n;

  constructor(cidr: string) {
    const [addr = '', prefixText = ''] = cidr.split('/');
    const prefix = Number(prefixText);
    if (isIPv4(addr) && Number.isInteger(prefix) && prefix >= 8 && prefix <= 30) {
      this.family = 'IPv4';
      this.size = 1n << BigInt(32 - prefix);
      this.base = (parseV4(addr) / this.size) * this.size;
    } else if (isIPv6(addr) && Number.isInteger(prefix) && prefix >= 64 && prefix <= 126) {
      this.family = 'IPv6';
      this.size = 1n << BigInt(128 - prefix);
      this.base = (parseV6(addr) / this.size) * this.size;
    } else {
      throw new Error(`invalid service CIDR "${cidr}" (IPv4 /8../30 or IPv6 /64../126)`);
    }
    this.cidr = cidr;
  }

  private format(value: bigint): string {
    return this.family === 'IPv4' ? formatV4(value) : formatV6(value);
  }

  /** The offset of `ip` inside the range, or null when it is not a usable address of the range. */
  private offsetOf(ip: string): bigint | null {
    const ok = this.family === 'IPv4' ? isIPv4(ip) : isIPv6(ip);
    if (!ok) return null;
    const value = this.family === 'IPv4' ? parseV4(ip) : parseV6(ip);
    const offset = value - this.base;
    // The network address and (IPv4) the broadcast address are never handed out, as in Kubernetes.
    if (offset <= 0n || offset >= this.size - (this.family === 'IPv4' ? 1n : 0n)) return null;
    return offset;
  }

  /** Canonical text of `ip` when it parses for this family. */
  canonical(ip: string): string | null {
    const ok = this.family === 'IPv4' ? isIPv4(ip) : isIPv6(ip);
    if (!ok) return null;
    return this.format(this.family === 'IPv4' ? parseV4(ip) : parseV6(ip));
  }

  allocate(): string {
    const usable = this.size - 2n;
    for (let tried = 0n; tried < usable; tried++) {
      const offset = (this.next % usable) + 1n;
      this.next++;
      if (!this.allocated.has(offset)) {
        this.allocated.add(offset);
        return this.format(this.base + offset);
      }
    }
    throw new Error(`range ${this.cidr} is full`);
  }

  /** 'ok' when reserved now; otherwise why it cannot be. */
  reserve(ip: string): 'ok' | 'outside' | 'taken' {
    const offset = this.offsetOf(ip);
    if (offset === null) return 'outside';
    if (this.allocated.has(offset)) return 'taken';
    this.allocated.add(offset);
    return 'ok';
  }

  release(ip: string): void {
    const offset = this.offsetOf(ip);
    if (offset !== null) this.allocated.delete(offset);
  }

  isAllocated(ip: string): boolean {
    const offset = this.offsetOf(ip);
    return offset !== null && this.allocated.has(offset);
  }
}
