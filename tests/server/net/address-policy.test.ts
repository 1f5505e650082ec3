import { describe, expect, it } from 'vitest';
import { allowAlso, classifyAddress, publicAddressesOnly } from '../../../server/net/address-policy';

describe('classifyAddress', () => {
  describe('IPv4', () => {
    it.each([
      ['0.0.0.0', 'unspecified'],
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'shared (CGNAT)'],
      ['100.100.100.200', 'shared (CGNAT)'],
      ['169.254.169.254', 'link-local (cloud metadata)'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['192.0.2.10', 'reserved'],
    ])('%s is %s', (address, kind) => {
      expect(classifyAddress(address)).toBe(kind);
    });
    it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '11.0.0.1', '169.253.0.1'])(
      '%s is public',
      (address) => {
        expect(classifyAddress(address)).toBe('public');
      },
    );
  });

  describe('IPv6', () => {
    it.each([
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['0:0:0:0:0:0:0:1', 'loopback'],
      ['fc00::1', 'private'],
      ['fd00:ec2::254', 'private'],
      ['fe80::1%eth0', 'link-local (cloud metadata)'],
      ['ff02::1', 'multicast'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
      ['::ffff:10.0.0.1', 'private'],
      ['::127.0.0.1', 'loopback'],
      ['64:ff9b::a9fe:a9fe', 'link-local (cloud metadata)'],
      ['2001:db8::1', 'reserved'],
      ['2001::1', 'reserved'],
      ['2002:7f00:1::1', 'reserved'],
      ['100::1', 'reserved'],
    ])('%s is %s', (address, kind) => {
      expect(classifyAddress(address)).toBe(kind);
    });
    it.each(['2606:4700:4700::1111', '2a00:1450:4001:81d::200e', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
      '%s is public',
      (address) => {
        expect(classifyAddress(address)).toBe('public');
      },
    );
  });

  it('names non-addresses', () => {
    expect(classifyAddress('localhost')).toBe('not an IP address');
    expect(classifyAddress('1.2.3')).toBe('not an IP address');
  });
});

describe('publicAddressesOnly', () => {
  it('says why an address is refused', () => {
    expect(publicAddressesOnly('169.254.169.254')).toBe('169.254.169.254 is a link-local (cloud metadata) address');
    expect(publicAddressesOnly('93.184.216.34')).toBeUndefined();
  });
  it('allowAlso adds exactly the listed addresses', () => {
    const policy = allowAlso(['127.0.0.1']);
    expect(policy('127.0.0.1')).toBeUndefined();
    expect(policy('127.0.0.2')).toMatch(/loopback/);
    expect(policy('::1')).toMatch(/loopback/);
  });
});
