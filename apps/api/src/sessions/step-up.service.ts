import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type TouchedSession, SignInStatements, Tenancy } from '@verity/db';
import { decideSignIn } from '@verity/policy';
import { TenantCipher } from '@verity/secrets';
import { approximateLocation } from '../geo/locate.js';
import { policyAccount, policyOfTenant } from '../methods/policy-account.js';
import { choicesView, reasonView } from '../sign-in/choices.js';
import { FLOW_LIFETIME_MS, type SignInData } from '../sign-in/sign-in.service.js';
import { type ClientContext, recordUserEvent, userEvent } from '../sign-in/user-events.js';
import { sessionExpired, stepUpUnavailable } from './problems.js';
import type { StepUpBody } from './schemas.js';

const FRAUD_REPORTED = {
  code: 'FRAUD_REPORTED',
  message:
    'A sign-in to your account was reported as fraud, so changes to your security info are blocked until your organisation has checked it. Contact your local helpdesk.',
};

/**
 * Step-up of a live session (R31): a second factor only, through the sign-in's own state machine. The flow is a
 * sign-in flow at its `mfa` step whose `data.stepUp` names the session; the sign-in's challenge, verify and
 * status endpoints take it from there and, when it finishes, re-authenticate that session
 * (SessionReauthentication) instead of signing a result.
 */
@Injectable()
export class StepUpService {
  constructor(
    private readonly statements: SignInStatements,
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
  ) {}

  /**
   * A step-up flow for the session's account, with the methods the policy allows for a change of security info:
   * always a second factor (never skipped for a trusted network or a remembered device). 409 with the policy's
   * reasons when none can be used.
   */
  async start(tenantId: string, { session, username }: TouchedSession, body: StepUpBody) {
    const { account, methods: registered, tenant } = await this.statements.account(tenantId, username);
    if (!account || account.id !== session.accountId || account.status !== 'active') throw sessionExpired();
    const seen: ClientContext = {
      ...(session.ip ? { ip: session.ip } : {}),
      ...(session.userAgent ? { userAgent: session.userAgent } : {}),
    };
    const asked: ClientContext = { ...seen, ...body?.client };
    const location = approximateLocation(asked.ip)?.text;
    const client = { ...asked, ...(location ? { location } : {}) };
    const policy = policyOfTenant(tenant);
    const decision = decideSignIn(policyAccount(account, registered), policy, {
      now: new Date(),
      purpose: 'security_info',
    });
    const fraudBlock = account.atRiskSince !== null && policy.fraud.blockSignIn;
    if (fraudBlock || decision.outcome !== 'mfa') {
      const reasons = fraudBlock ? [FRAUD_REPORTED] : decision.reasons.map(reasonView);
      await this.tenancy.run(tenantId, (scope) =>
        recordUserEvent(scope, account.id, 'session.step_up_started', 'denied', client, {
          sessionId: session.id,
          decision: fraudBlock ? 'blocked' : decision.outcome,
          reasons: reasons.map((r) => r.code),
        }),
      );
      throw stepUpUnavailable(reasons);
    }

    const data: SignInData = {
      methodIds: decision.methods.map((m) => m.id),
      defaultMethodId: decision.defaultMethod.id,
      // no password in this flow: the factor's references are added to the session's own
      amr: [],
      client,
      numberDigits: decision.numberMatchingDigits,
      voiceConfirmation: decision.voiceConfirmation,
      elevated: account.elevated,
      stepUp: { sessionId: session.id },
    };
    const flow = {
      id: randomUUID(),
      kind: 'sign_in' as const,
      accountId: account.id,
      state: 'mfa',
      step: 0,
      data,
      expiresAt: new Date(Date.now() + FLOW_LIFETIME_MS),
    };
    await this.statements.started(tenantId, {
      flow,
      audit: userEvent(account.id, 'session.step_up_started', 'success', client, {
        sessionId: session.id,
        flowId: flow.id,
      }),
    });
    return {
      flowId: flow.id,
      state: 'mfa_required',
      expiresAt: flow.expiresAt,
      reasons: decision.reasons.map(reasonView),
      ...(await choicesView(this.cipher, decision, registered)),
    };
  }
}
