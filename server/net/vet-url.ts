/** Checks a user-given URL and resolves its host to one address the policy allows. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy';
import { UrlRefusedError } from './errors';

/** A resolved address, as `dns.lookup` gives it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; injectable so tests need no DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo, so /etc/hosts too), every address, in the resolver's order. */
export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family as 4 | 6,
  }));

/** Parses `raw` and checks its scheme is one of `protocols` and that it carries no credentials. */
export function parseUrl(raw: string, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefusedError(`${JSON.stringify(raw.slice(0, 200))} is not an absolute URL.`);
  }
  if (!protocols.includes(url.protocol))
    throw new UrlRefusedError(
      `Only ${protocols.map((p) => p.replace(':', '')).join(' or ')} URLs are accepted, not ${url.protocol.replace(':', '')}.`,
    );
  if (url.username || url.password) throw new UrlRefusedError('URLs with a user name or password are not accepted.');
  return url;
}

/**
 * The address to connect to for `url`: the IP literal itself, or the first address its host resolves to.
 * Every resolved address must pass the policy, so a name that also points inside our network is refused.
 */
export async function vetAddress(url: URL, policy: AddressPolicy, resolve: Resolver): Promise<ResolvedAddress> {
  // WHATWG URL parsing has already turned 0x7f.1, 2130706433 and friends into dotted quads.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  let addresses: ResolvedAddress[];
  if (family) addresses = [{ address: host, family: family as 4 | 6 }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new UrlRefusedError(`The host ${host} does not resolve.`);
    }
    if (addresses.length === 0) throw new UrlRefusedError(`The host ${host} does not resolve.`);
  }
  for (const a of addresses) {
    const reason = policy(a.address);
    if (reason)
      throw new UrlRefusedError(`Refused to fetch ${url.origin}: ${reason}; only public addresses may be fetched.`);
  }
  return addresses[0]!;
}
