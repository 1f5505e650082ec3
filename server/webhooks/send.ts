/**
 * One webhook POST, with the import's SSRF rules: the URL's host is resolved and vetted at every
 * attempt (a name may point elsewhere by now) and the connection is pinned to the vetted address.
 * Redirects are not followed: a receiver answers where it was asked.
 */
import http from 'node:http';
import https from 'node:https';
import { publicAddressesOnly, type AddressPolicy } from '../net/address-policy';
import { pinnedLookup } from '../net/safe-fetch';
import { parseUrl, systemResolver, vetAddress, type Resolver } from '../net/vet-url';

/** Where webhooks may go; tests allow 127.0.0.1 and trust their own CA. */
export interface WebhookNetOptions {
  protocols?: readonly string[];
  policy?: AddressPolicy;
  resolve?: Resolver;
  ca?: string;
  /** For one attempt, connect to answer (default 10 s). */
  timeoutMs?: number;
}

/** What one attempt got: the receiver's status, or why there was none. */
export type AttemptResult = { httpStatus: number } | { error: string };

/** Checks a webhook URL the way a delivery will (scheme, credentials, address); throws UrlRefusedError. */
export async function vetWebhookUrl(raw: string, net: WebhookNetOptions = {}): Promise<void> {
  const url = parseUrl(raw, net.protocols ?? ['https:']);
  await vetAddress(url, net.policy ?? publicAddressesOnly, net.resolve ?? systemResolver);
}

/** POSTs `body` to `raw` with `headers`; never throws. */
export async function postWebhook(
  raw: string,
  body: string,
  headers: Record<string, string>,
  net: WebhookNetOptions = {},
): Promise<AttemptResult> {
  let url: URL;
  let vetted;
  try {
    url = parseUrl(raw, net.protocols ?? ['https:']);
    vetted = await vetAddress(url, net.policy ?? publicAddressesOnly, net.resolve ?? systemResolver);
  } catch (error) {
    return { error: (error as Error).message };
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(url, {
      method: 'POST',
      lookup: pinnedLookup(vetted),
      agent: false,
      timeout: net.timeoutMs ?? 10_000,
      ...(net.ca ? { ca: net.ca } : {}),
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Phosphene-webhook/1',
        ...headers,
      },
    });
    req.on('response', (res) => {
      // The answer's body means nothing to us; drain it so the socket closes.
      res.resume();
      resolve({ httpStatus: res.statusCode ?? 0 });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${(net.timeoutMs ?? 10_000) / 1000} s`)));
    req.on('error', (error) => resolve({ error: `${url.origin}: ${error.message}` }));
    req.end(body);
  });
}
