// Why one upstream exchange failed. The forward loop treats every one of these as "try the next
// upstream"; ClosedError on a reused connection means "dial again", as CoreDNS's ErrCachedClosed.

export class ExchangeTimeout extends Error {
  override name = 'ExchangeTimeout';
}

export class ConnectionClosed extends Error {
  override name = 'ConnectionClosed';
  constructor(
    message: string,
    /** The connection came from the idle pool (the peer may have closed it while it sat there). */
    readonly reused: boolean,
  ) {
    super(message);
  }
}
