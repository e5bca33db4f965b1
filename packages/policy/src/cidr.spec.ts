import { cidrContains, compileNetworkMatcher, parseCidr, parseIp, type CidrRange } from './cidr.js';

function range(text: string): CidrRange {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.range;
}

describe('CIDR ranges', () => {
  const parses: { input: string; text: string }[] = [
    { input: '10.0.0.0/8', text: '10.0.0.0/8' },
    { input: ' 192.168.1.0/24 ', text: '192.168.1.0/24' },
    { input: '192.0.2.10', text: '192.0.2.10/32' },
    { input: '0.0.0.0/0', text: '0.0.0.0/0' },
    { input: '2001:db8::/32', text: '2001:db8::/32' },
    { input: '2001:DB8:0:0:0:0:0:1', text: '2001:db8::1/128' },
    { input: '::/0', text: '::/0' },
    { input: 'fe80::/10', text: 'fe80::/10' },
    { input: '::ffff:10.0.0.0/104', text: '10.0.0.0/8' },
  ];

  it.each(parses)('parses $input as $text', ({ input, text }) => {
    expect(range(input).text).toBe(text);
  });

  const refuses: { input: string; says: RegExp }[] = [
    { input: '10.0.0.1/8', says: /host bits set; did you mean 10.0.0.0\/8/ },
    { input: '2001:db8::1/32', says: /did you mean 2001:db8::\/32/ },
    { input: '10.0.0.0/33', says: /IPv4 allows \/0 to \/32/ },
    { input: '10.0.0.0/-1', says: /invalid prefix/ },
    { input: '10.0.0.0/08', says: /invalid prefix/ },
    { input: '256.0.0.0/8', says: /not a valid/ },
    { input: '010.0.0.0/8', says: /not a valid/ },
    { input: '10.0.0/8', says: /not a valid/ },
    { input: '1:2:3:4:5:6:7:8:9/64', says: /not a valid/ },
    { input: '2001:db8:::/48', says: /not a valid/ },
    { input: '1::2::3', says: /not a valid/ },
    { input: 'fe80::1%eth0', says: /not a valid/ },
    { input: 'trust-hq', says: /not a valid/ },
    { input: '', says: /not a valid/ },
  ];

  it.each(refuses)('refuses $input', ({ input, says }) => {
    const parsed = parseCidr(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(says);
  });

  const contains: { cidr: string; ip: string; inside: boolean }[] = [
    { cidr: '10.0.0.0/8', ip: '10.255.1.2', inside: true },
    { cidr: '10.0.0.0/8', ip: '11.0.0.1', inside: false },
    { cidr: '192.168.4.0/22', ip: '192.168.7.255', inside: true },
    { cidr: '192.168.4.0/22', ip: '192.168.8.0', inside: false },
    { cidr: '192.0.2.10/32', ip: '192.0.2.10', inside: true },
    { cidr: '192.0.2.10/32', ip: '192.0.2.11', inside: false },
    { cidr: '0.0.0.0/0', ip: '203.0.113.9', inside: true },
    { cidr: '10.0.0.0/8', ip: '::ffff:10.1.2.3', inside: true },
    { cidr: '2001:db8::/32', ip: '2001:db8:ffff::1', inside: true },
    { cidr: '2001:db8::/32', ip: '2001:db9::1', inside: false },
    { cidr: '2001:db8:8000::/33', ip: '2001:db8:7fff::1', inside: false },
    { cidr: '2001:db8:8000::/33', ip: '2001:db8:8000::1', inside: true },
    { cidr: '2001:db8::/32', ip: '10.0.0.1', inside: false },
    { cidr: '10.0.0.0/8', ip: '2001:db8::1', inside: false },
  ];

  it.each(contains)('$cidr contains $ip: $inside', ({ cidr, ip, inside }) => {
    const address = parseIp(ip);
    expect(address).not.toBeNull();
    expect(cidrContains(range(cidr), address!)).toBe(inside);
  });

  it('matches any of several ranges and never an unparseable or missing address', () => {
    const isTrusted = compileNetworkMatcher([range('10.0.0.0/8'), range('2001:db8::/32')]);
    expect(isTrusted('10.9.9.9')).toBe(true);
    expect(isTrusted('2001:db8::5')).toBe(true);
    expect(isTrusted('8.8.8.8')).toBe(false);
    expect(isTrusted('not an ip')).toBe(false);
    expect(isTrusted(undefined)).toBe(false);
    expect(compileNetworkMatcher([])('10.0.0.1')).toBe(false);
  });
});
