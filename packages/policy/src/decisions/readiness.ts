import type { Account, DecisionTime } from '../account.js';
import { compilePolicy } from '../compile.js';
import type { ReasonCode } from '../reasons.js';
import type { Policy } from '../schema.js';
import { decideElevatedRights } from './elevated.js';
import { decideRegistration } from './registration.js';
import { decideSignIn } from './sign-in.js';
import { decideSspr } from './sspr.js';

// A dry run of a policy over a population of accounts: how many people each rule would block, nudge
// or leave alone, so an administrator can see the effect of a change before saving it.

export type ReadinessStatus = 'fine' | 'nudged' | 'blocked';

export const READINESS_RULES = [
  'sign_in',
  'registration',
  'sspr',
  'elevated_rights',
  'allowed_methods',
] as const;
export type ReadinessRule = (typeof READINESS_RULES)[number];

export interface RuleTally {
  /** Accounts the rule applies to. */
  readonly applies: number;
  readonly fine: number;
  readonly nudged: number;
  readonly blocked: number;
  /** How often each reason made an account nudged or blocked. */
  readonly reasons: Readonly<Partial<Record<ReasonCode, number>>>;
}

export interface ReadinessReport {
  readonly asOf: string;
  readonly accounts: number;
  /** Each account counted once, by its worst status over all rules. */
  readonly overall: { readonly fine: number; readonly nudged: number; readonly blocked: number };
  readonly rules: Readonly<Record<ReadinessRule, RuleTally>>;
}

export interface AccountReadiness {
  readonly accountId: string;
  readonly overall: ReadinessStatus;
  readonly rules: Readonly<
    Partial<Record<ReadinessRule, { status: ReadinessStatus; reasons: readonly ReasonCode[] }>>
  >;
}

const SEVERITY: Record<ReadinessStatus, number> = { fine: 0, nudged: 1, blocked: 2 };

/**
 * One account under one policy. Sign-in is judged off the trusted network on a new device (the
 * case where MFA is always asked); SSPR only when it is enabled; the elevated-rights rule only for
 * accounts with elevated rights. To preview the day a dated rule takes effect, pass that date as `now`.
 */
export function assessAccount(account: Account, policy: Policy, context: DecisionTime): AccountReadiness {
  const compiled = compilePolicy(policy);
  const rules: Partial<Record<ReadinessRule, { status: ReadinessStatus; reasons: readonly ReasonCode[] }>> =
    {};
  const codes = (reasons: readonly { code: ReasonCode }[]) => reasons.map((r) => r.code);

  const signIn = decideSignIn(account, policy, { now: context.now });
  rules.sign_in =
    signIn.outcome === 'blocked'
      ? { status: 'blocked', reasons: codes(signIn.reasons) }
      : signIn.outcome === 'register'
        ? { status: 'nudged', reasons: codes(signIn.reasons) }
        : { status: 'fine', reasons: [] };

  const registration = decideRegistration(account, policy, context);
  rules.registration =
    registration.outcome === 'complete'
      ? { status: 'fine', reasons: [] }
      : {
          status: registration.outcome === 'blocked' ? 'blocked' : 'nudged',
          reasons: codes(registration.reasons),
        };

  if (policy.sspr.enabled) {
    const sspr = decideSspr(account, policy, context);
    rules.sspr =
      sspr.outcome === 'refused'
        ? { status: 'blocked', reasons: codes(sspr.reasons) }
        : { status: 'fine', reasons: [] };
  }

  if (account.elevatedRights) {
    const elevated = decideElevatedRights(account, policy, context);
    rules.elevated_rights =
      elevated.outcome === 'blocked' || elevated.outcome === 'nudged'
        ? { status: elevated.outcome, reasons: codes(elevated.reasons) }
        : { status: 'fine', reasons: [] };
  }

  const disabled = account.methods.filter((m) => !compiled.allowed[m.type]);
  rules.allowed_methods =
    disabled.length > 0
      ? { status: 'nudged', reasons: disabled.map(() => 'METHOD_DISABLED' as const) }
      : { status: 'fine', reasons: [] };

  let overall: ReadinessStatus = 'fine';
  for (const rule of Object.values(rules))
    if (SEVERITY[rule.status] > SEVERITY[overall]) overall = rule.status;
  return { accountId: account.id, overall, rules };
}

function emptyTally(): {
  applies: number;
  fine: number;
  nudged: number;
  blocked: number;
  reasons: Partial<Record<ReasonCode, number>>;
} {
  return { applies: 0, fine: 0, nudged: 0, blocked: 0, reasons: {} };
}

function reportFrom(assessed: readonly AccountReadiness[], context: DecisionTime): ReadinessReport {
  const overall = { fine: 0, nudged: 0, blocked: 0 };
  const rules = Object.fromEntries(READINESS_RULES.map((r) => [r, emptyTally()])) as Record<
    ReadinessRule,
    ReturnType<typeof emptyTally>
  >;
  for (const account of assessed) {
    overall[account.overall]++;
    for (const name of READINESS_RULES) {
      const result = account.rules[name];
      if (!result) continue;
      const tally = rules[name];
      tally.applies++;
      tally[result.status]++;
      for (const code of result.reasons) tally.reasons[code] = (tally.reasons[code] ?? 0) + 1;
    }
  }
  return { asOf: context.now.toISOString(), accounts: assessed.length, overall, rules };
}

export function buildReadinessReport(
  accounts: readonly Account[],
  policy: Policy,
  context: DecisionTime,
): ReadinessReport {
  return reportFrom(
    accounts.map((a) => assessAccount(a, policy, context)),
    context,
  );
}

export interface ReadinessComparison {
  readonly current: ReadinessReport;
  readonly proposed: ReadinessReport;
  /** Accounts whose overall status gets worse or better under the proposed policy. */
  readonly worse: number;
  readonly better: number;
  /** Up to `listLimit` ids of accounts that would become blocked. */
  readonly newlyBlocked: readonly string[];
}

/** Dry-run a policy change: the same population under the current and the proposed policy. */
export function compareReadiness(
  accounts: readonly Account[],
  current: Policy,
  proposed: Policy,
  context: DecisionTime & { readonly listLimit?: number },
): ReadinessComparison {
  const limit = context.listLimit ?? 100;
  const before = accounts.map((a) => assessAccount(a, current, context));
  const after = accounts.map((a) => assessAccount(a, proposed, context));
  let worse = 0;
  let better = 0;
  const newlyBlocked: string[] = [];
  before.forEach((was, i) => {
    const now = after[i]!;
    if (SEVERITY[now.overall] > SEVERITY[was.overall]) {
      worse++;
      if (now.overall === 'blocked' && newlyBlocked.length < limit) newlyBlocked.push(now.accountId);
    } else if (SEVERITY[now.overall] < SEVERITY[was.overall]) better++;
  });
  return {
    current: reportFrom(before, context),
    proposed: reportFrom(after, context),
    worse,
    better,
    newlyBlocked,
  };
}
