// Rcode names as `next` and `failover` take them (miekg/dns's StringToRcode, matched without regard
// to case), so a CoreDNS Corefile's rcode lists read the same here.

const RCODES: ReadonlyMap<string, number> = new Map([
  ['NOERROR', 0], ['FORMERR', 1], ['SERVFAIL', 2], ['NXDOMAIN', 3], ['NOTIMP', 4], ['REFUSED', 5],
  ['YXDOMAIN', 6], ['YXRRSET', 7], ['NXRRSET', 8], ['NOTAUTH', 9], ['NOTZONE', 10], ['NOTIMPL', 4],
  ['BADSIG', 16], ['BADVERS', 16], ['BADKEY', 17], ['BADTIME', 18], ['BADMODE', 19], ['BADNAME', 20],
  ['BADALG', 21], ['BADTRUNC', 22], ['BADCOOKIE', 23],
]);

/** The rcode a name stands for, or undefined. */
export function rcodeFromName(name: string): number | undefined {
  return RCODES.get(name.toUpperCase());
}
