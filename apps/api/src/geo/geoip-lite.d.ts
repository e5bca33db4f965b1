// geoip-lite ships no types and @types/geoip-lite is not a dependency: only what locate.ts uses.
declare module 'geoip-lite' {
  export interface Lookup {
    /** ISO 3166-1 alpha-2; empty when the range has no location. */
    country: string;
    /** ISO 3166-2 subdivision code without the country prefix, e.g. "ENG"; may be empty. */
    region: string;
    city: string;
    timezone: string;
    ll: [number | null, number | null];
    /** Accuracy radius in kilometres. */
    area?: number;
  }

  export function lookup(ip: string | number): Lookup | null;
}
