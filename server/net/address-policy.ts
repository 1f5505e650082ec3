/** Which IP addresses a server-side fetch may connect to: public unicast only, by default. */
import { isIPv4, isIPv6 } from 'node:net';

/** What an address is, for the refusal message; only `public` may be fetched by default. */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared (CGNAT)'
  | 'link-local (cloud metadata)'
  | 'multicast'
  | 'reserved'
  | 'not an IP address';

/** Says why an address is refused, or undefined when it may be connected to. */
export type AddressPolicy = (address: string) => string | undefined;

type Range = [prefix: string, bits: number, kind: AddressClass];

// https://www.iana.org/assignments/iana-ipv4-special-registry: everything that is not global unicast.
const V4_RANGES: Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function v4ToInt(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function classifyV4(address: string): AddressClass {
  const n = v4ToInt(address);
  for (const [prefix, bits, kind] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    if (Math.floor(n / size) === Math.floor(v4ToInt(prefix) / size)) return kind;
  }
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad becomes the last two). */
function v6Groups(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const n = v4ToInt(quad[1]!);
    text = `${text.slice(0, quad.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const embeddedV4 = (g: number[]) => `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;

function classifyV6(address: string): AddressClass {
  const g = v6Groups(address);
  const zeroUntil = (i: number) => g.slice(0, i).every((x) => x === 0);
  if (zeroUntil(8)) return 'unspecified';
  if (zeroUntil(7) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 inside.
  if (zeroUntil(5) && g[5] === 0xffff) return classifyV4(embeddedV4(g));
  if (zeroUntil(6)) return classifyV4(embeddedV4(g));
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyV4(embeddedV4(g));
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'private';
  if ((first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0) return 'link-local (cloud metadata)';
  if ((first & 0xff00) === 0xff00) return 'multicast';
  // Global unicast is 2000::/3; inside it Teredo (2001::/32), 2001::/23, documentation and 6to4 tunnel elsewhere.
  if ((first & 0xe000) !== 0x2000) return 'reserved';
  if (first === 0x2001 && (g[1]! < 0x200 || g[1] === 0xdb8)) return 'reserved';
  if (first === 0x2002) return 'reserved';
  return 'public';
}

/** Classifies an IPv4 or IPv6 address (a zone suffix is ignored). */
export function classifyAddress(address: string): AddressClass {
  if (isIPv4(address)) return classifyV4(address);
  if (isIPv6(address.split('%')[0]!)) return classifyV6(address);
  return 'not an IP address';
}

/** The default policy: only public unicast addresses. */
export const publicAddressesOnly: AddressPolicy = (address) => {
  const kind = classifyAddress(address);
  return kind === 'public' ? undefined : `${address} is ${kind === 'not an IP address' ? kind : `a ${kind} address`}`;
};

/** For tests: the default policy, except that exactly these addresses are allowed too. */
export function allowAlso(addresses: string[]): AddressPolicy {
  return (address) => (addresses.includes(address) ? undefined : publicAddressesOnly(address));
}
