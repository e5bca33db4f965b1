import { createRequire } from 'node:module';
import type * as GeoIpLite from 'geoip-lite';
import { approximateLocation } from './locate.js';

// The module object locate.ts loads, so tests can see which addresses reach the data.
const geoip = createRequire(import.meta.url)('geoip-lite') as { lookup: typeof GeoIpLite.lookup };
const realLookup = geoip.lookup;
let lookups: string[];

beforeEach(() => {
  lookups = [];
  geoip.lookup = (ip) => {
    lookups.push(String(ip));
    return realLookup(ip);
  };
});

afterEach(() => {
  geoip.lookup = realLookup;
});

describe('approximateLocation', () => {
  it.each([
    ['81.2.69.160', 'GB', 'United Kingdom'],
    ['8.8.8.8', 'US', 'United States'],
    ['2001:630::1', 'GB', 'United Kingdom'],
    ['2001:4860:4860::8888', 'US', 'United States'],
  ])('locates %s in %s', (ip, country, countryName) => {
    const location = approximateLocation(ip);

    expect(location).toMatchObject({ country, countryName });
    expect(location?.text.endsWith(countryName)).toBe(true);
    expect(location?.latitude).toEqual(expect.any(Number));
    expect(location?.longitude).toEqual(expect.any(Number));
    expect(location?.radiusKm).toBeGreaterThan(0);
  });

  it.each([
    ['131.111.8.46', 'England'],
    ['129.215.0.1', 'Scotland'],
    ['131.251.0.1', 'Wales'],
    ['143.117.0.1', 'Northern Ireland'],
  ])('names the UK nation of %s (%s)', (ip, nation) => {
    const location = approximateLocation(ip);

    expect(location?.region).toBe(nation);
    expect(location?.text.endsWith(`${nation}, United Kingdom`)).toBe(true);
  });

  it('leaves subdivision codes outside the UK out of the text', () => {
    const raw = realLookup('128.30.0.1');
    expect(raw).toMatchObject({ country: 'US', region: 'MA' });

    const location = approximateLocation('128.30.0.1');

    expect(location?.region).toBeUndefined();
    expect(location?.text.split(', ')).not.toContain('MA');
    expect(location?.text).toBe(raw?.city ? `${raw.city}, United States` : 'United States');
  });

  it('does not repeat a city that shares its name with its country', () => {
    expect(realLookup('165.21.0.1')).toMatchObject({ country: 'SG', city: 'Singapore' });

    expect(approximateLocation('165.21.0.1')?.text).toBe('Singapore');
  });

  it.each([
    '::ffff:81.2.69.160',
    '::FFFF:81.2.69.160',
    '0:0:0:0:0:ffff:81.2.69.160',
    '::ffff:5102:45a0',
    '0000:0000:0000:0000:0000:FFFF:5102:45A0',
  ])('locates the IPv4-mapped address %s as its IPv4 address', (ip) => {
    expect(approximateLocation(ip)).toEqual(approximateLocation('81.2.69.160'));
    expect(lookups).toEqual(['81.2.69.160', '81.2.69.160']);
  });

  it('returns null for an address the data does not cover', () => {
    expect(approximateLocation('4000::1')).toBeNull();
    expect(lookups).toEqual(['4000::1']);
  });

  it('returns null for blocks geoip-lite could not place', () => {
    expect(realLookup('5.57.208.1')).toMatchObject({ country: 'RW', ll: [0, 0], area: 0 });

    expect(approximateLocation('5.57.208.1')).toBeNull();
  });

  it.each([
    ['this network', '0.1.2.3'],
    ['unspecified IPv4', '0.0.0.0'],
    ['private 10/8', '10.1.2.3'],
    ['private 172.16/12', '172.31.255.254'],
    ['private 192.168/16', '192.168.1.1'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['carrier-grade NAT (top)', '100.127.255.254'],
    ['IPv4 loopback', '127.0.0.1'],
    ['IPv4 link-local', '169.254.169.254'],
    ['IETF protocol assignments', '192.0.0.8'],
    ['TEST-NET-1', '192.0.2.1'],
    ['6to4 relay anycast', '192.88.99.1'],
    ['benchmarking', '198.19.255.1'],
    ['TEST-NET-2', '198.51.100.7'],
    ['TEST-NET-3', '203.0.113.9'],
    ['IPv4 multicast', '239.255.255.250'],
    ['reserved', '240.0.0.1'],
    ['broadcast', '255.255.255.255'],
    ['unspecified IPv6', '::'],
    ['IPv6 loopback', '::1'],
    ['IPv4-compatible', '::8.8.8.8'],
    ['IPv4-mapped private', '::ffff:192.168.1.1'],
    ['IPv4-mapped private, hex', '::ffff:c0a8:101'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped carrier-grade NAT', '::ffff:100.64.0.1'],
    ['local-use translation', '64:ff9b:1::808:808'],
    ['discard-only', '100::1'],
    ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['IPv6 documentation', '2001:db8::1'],
    ['IPv6 documentation 3fff::/20', '3fff::1'],
    ['segment routing', '5f00::1'],
    ['unique local', 'fd12:3456:789a::1'],
    ['IPv6 link-local', 'fe80::1'],
    ['site-local', 'fec0::1'],
    ['IPv6 multicast', 'ff02::1'],
    ['zone index', '2001:630::1%eth0'],
  ])('returns null for %s (%s) without consulting the data', (_, ip) => {
    expect(approximateLocation(ip)).toBeNull();
    expect(lookups).toEqual([]);
  });

  it.each([
    undefined,
    '',
    'localhost',
    'example.nhs.uk',
    '81.2.69',
    '81.2.69.160.1',
    '256.2.69.160',
    '081.2.69.160',
    ' 81.2.69.160',
    '81.2.69.160:443',
    '[2001:630::1]',
    '2001:630::1::1',
    'gggg::1',
    '::ffff:81.2.69.256',
  ])('returns null for garbage input %p', (ip) => {
    expect(approximateLocation(ip)).toBeNull();
    expect(lookups).toEqual([]);
  });
});
