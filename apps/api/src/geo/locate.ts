import { createRequire } from 'node:module';
import { BlockList, isIP } from 'node:net';
import type * as GeoIpLite from 'geoip-lite';

export interface ApproximateLocation {
  city?: string;
  region?: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
  countryName: string;
  latitude?: number;
  longitude?: number;
  radiusKm?: number;
  /** For people to read, e.g. "Leeds, England, United Kingdom". */
  text: string;
}

const nonRoutable = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and broadcast
] as const) {
  nonRoutable.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback, deprecated IPv4-compatible
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments, Teredo
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['5f00::', 16], // segment routing
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
] as const) {
  nonRoutable.addSubnet(network, prefix, 'ipv6');
}

const ipv4Mapped = new BlockList();
ipv4Mapped.addSubnet('::ffff:0:0', 96, 'ipv6');

const ukNations = new Map([
  ['ENG', 'England'],
  ['SCT', 'Scotland'],
  ['WLS', 'Wales'],
  ['NIR', 'Northern Ireland'],
]);

const countryNames = new Intl.DisplayNames(['en-GB'], { type: 'region' });

const requireFromHere = createRequire(import.meta.url);
let database: typeof GeoIpLite | undefined;

// geoip-lite reads its whole data set (over 100 MB) synchronously when first required.
function geoip(): typeof GeoIpLite {
  database ??= requireFromHere('geoip-lite') as typeof GeoIpLite;
  return database;
}

export function approximateLocation(ip: string | undefined): ApproximateLocation | null {
  const address = routableAddress(ip);
  const found = address === null ? null : geoip().lookup(address);
  if (!found?.country) return null;

  const [latitude, longitude] = found.ll;
  if (latitude === null || longitude === null) return null;
  // geoip-lite's converter files blocks whose location it could not resolve under location 0
  // (Rwanda) with no coordinates and no radius: they are not located at all.
  if (latitude === 0 && longitude === 0 && !found.area) return null;

  const city = found.city || undefined;
  const region = found.country === 'GB' ? ukNations.get(found.region) : undefined;
  const countryName = countryNames.of(found.country) ?? found.country;
  const text = [city, region, countryName]
    .filter((part): part is string => part !== undefined)
    .filter((part, index, parts) => part !== parts[index - 1])
    .join(', ');

  return {
    city,
    region,
    country: found.country,
    countryName,
    latitude,
    longitude,
    radiusKm: found.area || undefined,
    text,
  };
}

/** The address in a form geoip-lite parses correctly, or null when it is not a public address. */
function routableAddress(ip: string | undefined): string | null {
  if (ip === undefined) return null;
  switch (isIP(ip)) {
    case 4:
      return nonRoutable.check(ip, 'ipv4') ? null : ip;
    case 6: {
      // A zone index only means something on the local host.
      if (ip.includes('%')) return null;
      // geoip-lite misreads hex IPv4-mapped forms and embedded dotted quads; the URL parser
      // writes every IPv6 address in compressed lower-case hex.
      const canonical = new URL(`http://[${ip}]`).hostname.slice(1, -1);
      if (ipv4Mapped.check(canonical, 'ipv6')) return routableAddress(embeddedIPv4(canonical));
      return nonRoutable.check(canonical, 'ipv6') ? null : canonical;
    }
    default:
      return null;
  }
}

function embeddedIPv4(canonicalIPv6: string): string {
  const [high = 0, low = 0] = canonicalIPv6
    .split(':')
    .slice(-2)
    .map((group) => Number.parseInt(group, 16));
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
