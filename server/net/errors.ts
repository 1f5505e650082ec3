/** Why a server-side fetch of a user-given URL did not happen or did not finish. */

/** The URL itself is not allowed: bad syntax, scheme, credentials, or an address the policy refuses. */
export class UrlRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlRefusedError';
  }
}

/** The fetch was allowed but failed: network error, HTTP status, too many redirects, too large, too slow. */
export class FetchFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchFailedError';
  }
}
