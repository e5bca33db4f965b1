// Decisions per second for sign-in and SSPR on an account with 8 methods, beside a ceiling measured
// in the same run: a trivial loop over the same 8 methods that only filters them by the allowed set.
// Runs against the built package (dist/), on one core. Run with: pnpm --filter @verity/policy bench
import { performance } from 'node:perf_hooks';
import { DEFAULT_POLICY, decideSignIn, decideSspr, deviceKeyFor, parsePolicy } from '../dist/index.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const ROUND_MS = Number(process.argv[3] ?? 200);

function method(type, detail, extra = {}) {
  return { id: `${type}:${detail}`, type, deviceKey: deviceKeyFor(type, detail), ...extra };
}

const methods = [
  method('authenticator_push', 'app-1'),
  method('authenticator_code', 'app-1'),
  method('mobile_text', '+447700900123', { isDefault: true }),
  method('mobile_call', '+447700900123'),
  method('alternate_call', '+447700900456'),
  method('email', 'jo.bloggs@example.org'),
  method('security_key', 'yubikey-1'),
  method('app_password', 'outlook-2010'),
];
const staff = { id: 'staff', elevatedRights: false, methods };
const admin = { id: 'admin', elevatedRights: true, methods };

function policyFor(tenant) {
  const result = parsePolicy({
    conditionalMfa: {
      trustedNetworks: [
        { name: `Tenant ${tenant}`, cidrs: ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'] },
      ],
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

const policy = policyFor(0);
const now = new Date('2024-01-15T09:00:00Z');
const offNetwork = { now, ip: '203.0.113.7' };
const onNetwork = { now, ip: '10.1.2.3' };
const gate2 = { now, gatesPassed: ['authenticator_push:app-1'] };

// The ceiling: the least any decision must do, walk the 8 methods and keep the allowed ones.
const allowed = new Set(DEFAULT_POLICY.allowedMethods);
function baseline(account) {
  const out = [];
  for (const m of account.methods) if (allowed.has(m.type)) out.push(m);
  return { outcome: 'mfa', methods: out };
}

const TENANTS = 1000;
const tenantPolicies = Array.from({ length: TENANTS }, (_, i) => policyFor(i));
let tenantIndex = 0;

const cases = [
  ['ceiling: filter 8 methods by allowed set', () => baseline(staff)],
  ['sign-in, off network (MFA, 8 methods)', () => decideSignIn(staff, policy, offNetwork)],
  ['sign-in, trusted network (no MFA)', () => decideSignIn(staff, policy, onNetwork)],
  ['sign-in, elevated rights after the date', () => decideSignIn(admin, policy, offNetwork)],
  [
    `sign-in, ${TENANTS} tenants' policies in turn`,
    () => decideSignIn(staff, tenantPolicies[(tenantIndex = (tenantIndex + 1) % TENANTS)], offNetwork),
  ],
  ['SSPR, gate 1 (8 methods)', () => decideSspr(staff, policy, { now })],
  ['SSPR, gate 2 after push', () => decideSspr(staff, policy, gate2)],
];

let sink = 0;
function measure(fn) {
  // Calls in batches of 1,000 so the clock is read rarely.
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    for (let i = 0; i < 1000; i++) sink += fn().outcome.length;
    calls += 1000;
    elapsed = performance.now() - start;
  }
  return (calls / elapsed) * 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const [, fn] of cases) measure(fn); // warm up every path before timing any

const results = cases.map(([name, fn]) => {
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) rates.push(measure(fn));
  return { name, perSecond: median(rates) };
});

const ceiling = results[0].perSecond;
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${(n / 1e3).toFixed(0)} k/s`);
console.log(`node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms, median shown (sink ${sink % 10})`);
console.log(
  'decision'.padEnd(48),
  'per second'.padStart(12),
  'ns each'.padStart(9),
  'of ceiling'.padStart(11),
);
for (const { name, perSecond } of results) {
  console.log(
    name.padEnd(48),
    fmt(perSecond).padStart(12),
    (1e9 / perSecond).toFixed(0).padStart(9),
    `${((perSecond / ceiling) * 100).toFixed(1)}%`.padStart(11),
  );
}
