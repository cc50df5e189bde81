// CoreDNS's response classes (plugin/pkg/response): success, denial (NXDOMAIN or NODATA), error
// (everything that says the server would not resolve), computed from the rcode and section counts.

import { QType, Rcode } from '../../dns/constants.js';
import type { Reply } from '../../dns/reply.js';
import { recordAt } from '../../dns/wire/layout.js';

export type ResponseClass = 'success' | 'denial' | 'error';

export function classifyReply(reply: Reply): ResponseClass {
  if (reply.rcode === Rcode.NXDOMAIN) return 'denial';
  if (reply.rcode !== Rcode.NOERROR) return 'error';
  if (reply.wire === null) return 'denial';
  const layout = reply.layout();
  if (layout.counts[0] > 0) return 'success';
  // NOERROR without answers: a delegation (NS in authority, no SOA) is success, else NODATA.
  let ns = false;
  for (let i = 0; i < layout.counts[1]; i++) {
    const type = recordAt(reply.wire, layout.records[(layout.counts[0] + i) * 2]!).type;
    if (type === QType.SOA) return 'denial';
    if (type === QType.NS) ns = true;
  }
  return ns ? 'success' : 'denial';
}
