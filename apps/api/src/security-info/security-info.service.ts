import { Injectable } from '@nestjs/common';
import {
  type Account as AccountRow,
  type Delivery,
  type Method,
  type TenantScope,
  Tenancy,
  accounts,
  audit,
  devices,
  methods,
} from '@verity/db';
import {
  type MethodType,
  METHODS_BY_STRENGTH,
  decideAddMethod,
  decideRemoveMethod,
  decideSetDefault,
} from '@verity/policy';
import { TenantCipher } from '@verity/secrets';
import { type MethodDetails, openDetails } from '../methods/method-details.js';
import { policyAccount, policyOf } from '../methods/policy-account.js';
import { problems } from '../problem/problem.js';
import { methodView, reasonView } from '../sign-in/choices.js';
import { Notices } from '../sign-in/notices.js';
import { userEvent } from '../sign-in/user-events.js';
import { PHONE_TYPES } from './enrolment-data.js';
import { Enrolments } from './enrolments.js';
import type { Holder } from './holder.js';
import type { StartEnrolment } from './schemas.js';

/**
 * The Security info page: the person's methods with their last use, and every change to them — add (through
 * an enrolment), change a phone number, delete, rename, choose the default sign-in method — each decided by the
 * organisation's policy, audited, and told to the person through a channel other than the one changed.
 */
@Injectable()
export class SecurityInfo {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly cipher: TenantCipher,
    private readonly enrolments: Enrolments,
    private readonly notices: Notices,
  ) {}

  /** The methods, the default, and what "Add sign-in method" may offer (each refusal with the policy's reason). */
  overview(tenantId: string, accountId: string) {
    return this.tenancy.run(tenantId, async (scope) => {
      const { account, registered } = await this.accountOf(scope, accountId);
      const policy = await policyOf(scope);
      const seen = policyAccount(account, registered);
      const now = new Date();
      const mayAdd = METHODS_BY_STRENGTH.filter((spec) => spec.type !== 'app_password').map((spec) => {
        const decision = decideAddMethod(seen, { type: spec.type, deviceKey: `new:${spec.type}` }, policy, {
          now,
        });
        return {
          type: spec.type,
          label: spec.label,
          allowed: decision.outcome === 'allowed',
          reasons: decision.reasons.map(reasonView),
          notices: decision.notices.map(reasonView),
        };
      });
      return {
        methods: await Promise.all(
          registered.filter((m) => m.type !== 'app_password').map((m) => this.summary(m)),
        ),
        defaultMethodId: registered.find((m) => m.isDefault)?.id ?? null,
        userMayChooseDefault: policy.defaultMethod.userMayChoose,
        // offered by the rule that decides the change, so nothing offered is then refused
        defaultChoices: registered
          .filter((m) => decideSetDefault(seen, m.id, policy, { now }).outcome === 'allowed')
          .map((m) => m.id),
        mayAdd,
      };
    });
  }

  start(holder: Holder, body: StartEnrolment) {
    return this.enrolments.start(holder, body);
  }

  /** "Change" a phone: the new number is proved (a code or a call) before it replaces the old one. */
  async changePhone(holder: Holder, methodId: string, phone: string) {
    const method = await this.tenancy.run(holder.tenantId, (scope) =>
      methods.findOfAccount(scope, holder.accountId, methodId),
    );
    if (!method?.verifiedAt) throw problems.notFound('method');
    if (!PHONE_TYPES.has(method.type))
      throw problems.validation([{ field: 'methodId', message: 'must be a phone method (text or call)' }]);
    return this.enrolments.start(holder, { type: method.type as 'mobile_text', phone }, method);
  }

  /** "Delete": refused with the policy's reason when it would leave too few methods. An app goes whole. */
  async remove(holder: Holder, methodId: string) {
    const notices: (Delivery | null)[] = [];
    await this.tenancy.run(holder.tenantId, async (scope) => {
      const { account, registered } = await this.accountOf(scope, holder.accountId);
      const method = registered.find((m) => m.id === methodId && m.type !== 'app_password');
      if (!method) throw problems.notFound('method');
      const policy = await policyOf(scope);
      // push and code from one app installation are one "Microsoft Authenticator" line: they go together
      const group = method.type.startsWith('authenticator_')
        ? registered.filter((m) => m.deviceRef.equals(method.deviceRef))
        : [method];
      let left = registered;
      let newDefault: string | undefined;
      for (const m of group) {
        const decision = decideRemoveMethod(policyAccount(account, left), m.id, policy, { now: new Date() });
        if (decision.outcome === 'refused') throw problems.methodRefused(decision.reasons);
        left = left.filter((x) => x.id !== m.id);
        if (decision.newDefault) newDefault = decision.newDefault.id;
      }
      for (const m of group) await methods.remove(scope, account.id, m.id);
      if (newDefault && left.some((m) => m.id === newDefault))
        await methods.makeDefault(scope, account.id, newDefault);
      const details = await openDetails<MethodDetails>(this.cipher, method);
      if ('deviceId' in details && details.deviceId) await devices.deactivate(scope, details.deviceId);
      await audit.record(
        scope,
        userEvent(account.id, 'security_info.method_deleted', 'success', holder.client, {
          method: method.type,
          methodIds: group.map((m) => m.id),
          ...(newDefault ? { newDefault } : {}),
        }),
      );
      notices.push(
        await this.notices.securityInfoChanged(
          scope,
          account.id,
          `${labelOf(method.type as MethodType)} was deleted from your security info.`,
          [method.deviceRef],
        ),
      );
    });
    await this.notices.dispatch(notices, methodId);
  }

  /** "Change default sign-in method". */
  async setDefault(holder: Holder, methodId: string) {
    const notices: (Delivery | null)[] = [];
    const view = await this.tenancy.run(holder.tenantId, async (scope) => {
      const { account, registered } = await this.accountOf(scope, holder.accountId);
      const method = registered.find((m) => m.id === methodId);
      if (!method) throw problems.notFound('method');
      const decision = decideSetDefault(policyAccount(account, registered), methodId, await policyOf(scope), {
        now: new Date(),
      });
      if (decision.outcome === 'refused') throw problems.methodRefused(decision.reasons);
      await methods.makeDefault(scope, account.id, methodId);
      await audit.record(
        scope,
        userEvent(account.id, 'security_info.default_changed', 'success', holder.client, {
          method: method.type,
          methodId,
        }),
      );
      notices.push(
        await this.notices.securityInfoChanged(
          scope,
          account.id,
          `Your default sign-in method is now ${labelOf(method.type as MethodType).toLowerCase()}.`,
          [method.deviceRef],
        ),
      );
      return { defaultMethodId: methodId, notices: decision.notices.map(reasonView) };
    });
    await this.notices.dispatch(notices, methodId);
    return view;
  }

  async rename(holder: Holder, methodId: string, label: string) {
    const notices: (Delivery | null)[] = [];
    const view = await this.tenancy.run(holder.tenantId, async (scope) => {
      const method = await methods.findOfAccount(scope, holder.accountId, methodId);
      if (!method?.verifiedAt || method.type === 'app_password') throw problems.notFound('method');
      await methods.rename(scope, holder.accountId, methodId, label);
      await audit.record(
        scope,
        userEvent(holder.accountId, 'security_info.method_renamed', 'success', holder.client, { methodId }),
      );
      notices.push(
        await this.notices.securityInfoChanged(
          scope,
          holder.accountId,
          `${labelOf(method.type as MethodType)} was renamed in your security info.`,
          [method.deviceRef],
        ),
      );
      return this.summary({ ...method, label } as Method);
    });
    await this.notices.dispatch(notices, methodId);
    return view;
  }

  async summary(method: Method) {
    return {
      ...(await methodView(this.cipher, method)),
      createdAt: method.createdAt,
      lastUsedAt: method.lastUsedAt,
      locked: method.lockedUntil !== null && method.lockedUntil.getTime() > Date.now(),
    };
  }

  private async accountOf(
    scope: TenantScope,
    accountId: string,
  ): Promise<{ account: AccountRow; registered: Method[] }> {
    const account = await accounts.findById(scope, accountId);
    if (!account) throw problems.notFound('account');
    return { account, registered: await methods.verifiedOf(scope, accountId) };
  }
}

function labelOf(type: MethodType): string {
  return METHODS_BY_STRENGTH.find((s) => s.type === type)?.label ?? type;
}
