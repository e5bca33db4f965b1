// A small pure IPv4/IPv6 CIDR parser and matcher for trusted networks.
// Addresses are held as arrays of 16-bit words: 2 for IPv4, 8 for IPv6.

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  readonly words: readonly number[];
}

export interface CidrRange {
  readonly family: IpFamily;
  readonly words: readonly number[];
  readonly prefix: number;
  /** Canonical text, e.g. "10.0.0.0/8" or "2001:db8::/32" (hex words uncompressed). */
  readonly text: string;
}

export type CidrParseResult = { ok: true; range: CidrRange } | { ok: false; message: string };

const IPV6_WORD = /^[0-9a-fA-F]{1,4}$/;

/** Dotted quad to a 32-bit number, or -1. Character by character: it runs on every sign-in. */
function parseIpv4Number(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      // Leading zeros are refused: "010" means 8 to some tools and 10 to others.
      if (digits === 1 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

function parseIpv4Words(text: string): number[] | null {
  const n = parseIpv4Number(text);
  return n < 0 ? null : [Math.floor(n / 65536), n % 65536];
}

function parseIpv6Words(text: string): number[] | null {
  if (text.length < 2 || text.includes('%')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseSide = (side: string, allowTailIpv4: boolean): number[] | null => {
    if (side === '') return [];
    const groups = side.split(':');
    const words: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (allowTailIpv4 && i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4Words(g);
        if (!v4) return null;
        words.push(...v4);
      } else {
        if (!IPV6_WORD.test(g)) return null;
        words.push(parseInt(g, 16));
      }
    }
    return words;
  };
  if (halves.length === 1) {
    const words = parseSide(text, true);
    return words && words.length === 8 ? words : null;
  }
  const head = parseSide(halves[0]!, false);
  const tail = parseSide(halves[1]!, true);
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/**
 * Parses an IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:10.1.2.3, which Node reports
 * for IPv4 clients on a dual-stack socket) is returned as IPv4, so IPv4 ranges match it.
 */
export function parseIp(text: string): IpAddress | null {
  if (text.includes(':')) {
    const words = parseIpv6Words(text);
    if (!words) return null;
    if (
      words[0] === 0 &&
      words[1] === 0 &&
      words[2] === 0 &&
      words[3] === 0 &&
      words[4] === 0 &&
      words[5] === 0xffff
    ) {
      return { family: 4, words: [words[6]!, words[7]!] };
    }
    return { family: 6, words };
  }
  const words = parseIpv4Words(text);
  return words ? { family: 4, words } : null;
}

function formatWords(family: IpFamily, words: readonly number[]): string {
  if (family === 4) return [words[0]! >> 8, words[0]! & 255, words[1]! >> 8, words[1]! & 255].join('.');
  return compressIpv6(words.map((w) => w.toString(16)));
}

function compressIpv6(groups: string[]): string {
  // Compress the longest run of two or more zero groups into "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

function maskWord(word: number, bitsInWord: number): number {
  if (bitsInWord >= 16) return word;
  if (bitsInWord <= 0) return 0;
  return word & ((0xffff << (16 - bitsInWord)) & 0xffff);
}

function maskWords(words: readonly number[], prefix: number): number[] {
  return words.map((w, i) => maskWord(w, prefix - i * 16));
}

/**
 * Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a single host). A range with host bits
 * set ("10.0.0.1/8") is refused with the range that was probably meant.
 */
export function parseCidr(text: string): CidrParseResult {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  const family: IpFamily = addressText.includes(':') ? 6 : 4;
  const words = family === 6 ? parseIpv6Words(addressText) : parseIpv4Words(addressText);
  if (!words) {
    return { ok: false, message: `"${text}" is not a valid IPv4 or IPv6 address or CIDR range` };
  }
  const maxPrefix = family === 4 ? 32 : 128;
  let prefix = maxPrefix;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > maxPrefix) {
      return {
        ok: false,
        message: `"${text}" has an invalid prefix length (IPv${family} allows /0 to /${maxPrefix})`,
      };
    }
    prefix = Number(prefixText);
  }
  const masked = maskWords(words, prefix);
  const network = formatWords(family, masked);
  if (masked.some((w, i) => w !== words[i])) {
    return { ok: false, message: `"${text}" has host bits set; did you mean ${network}/${prefix}?` };
  }
  if (family === 6 && prefix >= 96 && masked.slice(0, 6).every((w, i) => w === (i === 5 ? 0xffff : 0))) {
    // An IPv4-mapped range matches IPv4 clients, which parseIp reports as IPv4.
    const v4 = masked.slice(6);
    return {
      ok: true,
      range: { family: 4, words: v4, prefix: prefix - 96, text: `${formatWords(4, v4)}/${prefix - 96}` },
    };
  }
  return { ok: true, range: { family, words: masked, prefix, text: `${network}/${prefix}` } };
}

export function cidrContains(range: CidrRange, ip: IpAddress): boolean {
  if (range.family !== ip.family) return false;
  const fullWords = range.prefix >> 4;
  for (let i = 0; i < fullWords; i++) {
    if (range.words[i] !== ip.words[i]) return false;
  }
  const rest = range.prefix & 15;
  return rest === 0 || maskWord(ip.words[fullWords]!, rest) === range.words[fullWords];
}

/**
 * A matcher over many ranges. Unparseable addresses never match. IPv4 ranges are kept as 32-bit
 * network and mask numbers, so the common case (an IPv4 client) costs a parse and a few compares.
 */
export function compileNetworkMatcher(ranges: readonly CidrRange[]): (ipText: string | undefined) => boolean {
  if (ranges.length === 0) return () => false;
  const v4 = ranges
    .filter((r) => r.family === 4)
    .map((r) => {
      const mask = r.prefix === 0 ? 0 : (0xffffffff << (32 - r.prefix)) >>> 0;
      return { network: ((r.words[0]! * 65536 + r.words[1]!) & mask) >>> 0, mask };
    });
  const v6 = ranges.filter((r) => r.family === 6);
  return (ipText) => {
    if (!ipText) return false;
    if (!ipText.includes(':')) {
      const n = parseIpv4Number(ipText);
      if (n < 0) return false;
      for (const { network, mask } of v4) if ((n & mask) >>> 0 === network) return true;
      return false;
    }
    const ip = parseIp(ipText);
    if (!ip) return false;
    for (const range of ip.family === 4 ? ranges : v6) if (cidrContains(range, ip)) return true;
    return false;
  };
}
