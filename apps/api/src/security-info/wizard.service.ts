import { Injectable } from '@nestjs/common';
import { type Flow, type TenantScope, Tenancy, accounts, audit, flows, methods } from '@verity/db';
import { CATALOGUE, type MethodType, decideRegistration } from '@verity/policy';
import { policyAccount, policyOf } from '../methods/policy-account.js';
import { DomainError } from '../problem/problem.js';
import { reasonView } from '../sign-in/choices.js';
import { type SignInData, SignInService, amrWith, flowGone, outOfOrder } from '../sign-in/sign-in.service.js';
import { userEvent } from '../sign-in/user-events.js';
import { type Enrolled, Enrolments } from './enrolments.js';
import type { Holder } from './holder.js';
import type { EnrolmentAnswer, StartEnrolment } from './schemas.js';
import { SecurityInfo } from './security-info.service.js';

const AMR_ANY_SECOND_FACTOR = 'mfa';

/**
 * "Keep your account secure": the registration wizard a sign-in hands over to (state `registration_required`).
 * Its steps ("Method 1 of 2") come from the policy; each method is proved before it counts; "Done" or, where
 * the policy allows, "Skip for now" gives the sign-in's result.
 */
@Injectable()
export class RegistrationWizard {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly enrolments: Enrolments,
    private readonly securityInfo: SecurityInfo,
    private readonly signIn: SignInService,
  ) {}

  /** Where the wizard stands: the step, the method to offer first, the others, the snooze, what is set up so far. */
  view(tenantId: string, flowId: string) {
    return this.tenancy.run(tenantId, async (scope) => {
      const { flow } = await this.wizardFlow(scope, flowId);
      return this.describe(scope, flow);
    });
  }

  async start(tenantId: string, flowId: string, body: StartEnrolment) {
    return this.enrolments.start(await this.holder(tenantId, flowId, body.client), body);
  }

  async enrolment(tenantId: string, flowId: string, enrolmentId: string) {
    return this.enrolments.status(await this.holder(tenantId, flowId), enrolmentId);
  }

  async resend(tenantId: string, flowId: string, enrolmentId: string) {
    return this.enrolments.resend(await this.holder(tenantId, flowId), enrolmentId);
  }

  /** A method proved in the wizard also proves this sign-in's second factor: its reference joins the flow's. */
  async verify(tenantId: string, flowId: string, enrolmentId: string, answer: EnrolmentAnswer) {
    const holder = await this.holder(tenantId, flowId);
    const enrolled = await this.enrolments.verify(holder, enrolmentId, answer, (scope, done) =>
      this.proved(scope, flowId, done),
    );
    return this.tenancy.run(tenantId, async (scope) => ({
      methods: await Promise.all(enrolled.methods.map((m) => this.securityInfo.summary(m))),
      wizard: await this.describe(scope, (await this.wizardFlow(scope, flowId)).flow),
    }));
  }

  /**
   * "Done": once the policy has nothing more to ask, or when nothing it allows can finish the rest but the
   * person can already sign in (they are not stranded; the helpdesk can help with the rest). The sign-in's result.
   */
  async finish(tenantId: string, flowId: string) {
    return this.tenancy.run(tenantId, async (scope) => {
      const { flow, data } = await this.wizardFlow(scope, flowId);
      const { account, decision } = await this.decision(scope, flow);
      if (decision.outcome === 'blocked' && decision.signInReady)
        return this.result(scope, flow, data, account, 'security_info.registration_incomplete', {
          reasons: decision.reasons.map((r) => r.code),
        });
      if (decision.outcome !== 'complete')
        throw new DomainError(
          409,
          'registration-incomplete',
          'More information required',
          decision.reasons.map((r) => r.message).join(' '),
          undefined,
          decision.reasons.map(reasonView),
        );
      await accounts.setRegistration(scope, account.id, 'complete', null);
      return this.result(scope, flow, data, account, 'security_info.registration_completed', {});
    });
  }

  /** "Skip for now": where the policy allows, and not after its number of times; the sign-in's result. */
  async snooze(tenantId: string, flowId: string) {
    return this.tenancy.run(tenantId, async (scope) => {
      const { flow, data } = await this.wizardFlow(scope, flowId);
      const { account, decision } = await this.decision(scope, flow);
      if (decision.outcome === 'complete' || !decision.snooze.allowed)
        throw new DomainError(
          409,
          'snooze-refused',
          'Set this up now',
          decision.snooze.reasons.map((r) => r.message).join(' '),
          undefined,
          decision.snooze.reasons.map(reasonView),
        );
      const until = new Date(Date.now() + decision.snooze.days * 86_400_000);
      await accounts.setRegistration(scope, account.id, 'snoozed', until);
      return this.result(scope, flow, data, account, 'security_info.registration_snoozed', {
        until: until.toISOString(),
        remaining: decision.snooze.remaining,
      });
    });
  }

  private async result(
    scope: TenantScope,
    flow: Flow,
    data: SignInData,
    account: NonNullable<Awaited<ReturnType<typeof accounts.findById>>>,
    action: string,
    details: Record<string, unknown>,
  ) {
    if (!(await flows.advance(scope, flow, { state: 'complete', completed: true }))) throw flowGone();
    const aal = data.amr.includes(AMR_ANY_SECOND_FACTOR) ? 'aal2' : 'aal1';
    await audit.record(
      scope,
      userEvent(account.id, action, 'success', data.client, { ...details, acr: aal }),
    );
    const result = await this.signIn.sign(scope.tenantId, flow, account, aal, data.amr);
    return { flowId: flow.id, state: 'complete', result };
  }

  private async proved(scope: TenantScope, flowId: string, enrolled: Enrolled) {
    const { flow, data } = await this.wizardFlow(scope, flowId);
    const type = enrolled.methods[0]!.type as MethodType;
    if (!CATALOGUE[type].signInMfa) return;
    if (
      !(await flows.advance(scope, flow, { state: 'register', data: { ...data, amr: amrWith(data, type) } }))
    )
      throw flowGone();
  }

  private async describe(scope: TenantScope, flow: Flow) {
    const { decision, registered } = await this.decision(scope, flow);
    const summaries = await Promise.all(
      registered.filter((m) => m.type !== 'app_password').map((m) => this.securityInfo.summary(m)),
    );
    const defaultMethod = summaries.find((m) => m.isDefault);
    return {
      flowId: flow.id,
      state: 'registration_required',
      expiresAt: flow.expiresAt,
      outcome: decision.outcome,
      signInReady: decision.signInReady,
      reasons: decision.reasons.map(reasonView),
      step: decision.step,
      offerFirst: decision.offerFirst ?? null,
      otherChoices: decision.otherChoices,
      notOffered: decision.notOffered.map((n) => ({ type: n.type, reasons: n.reasons.map(reasonView) })),
      snooze: {
        allowed: decision.snooze.allowed,
        days: decision.snooze.days,
        remaining: decision.snooze.remaining,
        reasons: decision.snooze.reasons.map(reasonView),
      },
      methods: summaries,
      defaultMethod: defaultMethod
        ? {
            id: defaultMethod.id,
            type: defaultMethod.type,
            label: CATALOGUE[defaultMethod.type as MethodType].label,
          }
        : null,
    };
  }

  private async decision(scope: TenantScope, flow: Flow) {
    const account = await accounts.findById(scope, flow.accountId!);
    if (!account) throw flowGone();
    const registered = await methods.verifiedOf(scope, account.id);
    const decision = decideRegistration(policyAccount(account, registered), await policyOf(scope), {
      now: new Date(),
    });
    return { account, registered, decision };
  }

  private async holder(tenantId: string, flowId: string, client?: Holder['client']): Promise<Holder> {
    const { flow, data } = await this.tenancy.run(tenantId, (scope) => this.wizardFlow(scope, flowId));
    return { tenantId, accountId: flow.accountId!, client: client ?? data.client, by: { wizard: flow.id } };
  }

  /** The sign-in flow, alive and in the wizard's state; another organisation's or a finished one is 404. */
  private async wizardFlow(scope: TenantScope, flowId: string) {
    const { flow, data } = await this.signIn.liveFlow(scope, flowId);
    if (flow.state !== 'register' || data.stepUp) throw outOfOrder();
    return { flow, data };
  }
}
