import { Injectable } from '@nestjs/common';
import { type Account, type Delivery, type TenantScope, accounts, methods, tenants } from '@verity/db';
import { Outbox } from '@verity/delivery';
import { TenantCipher } from '@verity/secrets';
import { CONTACT_EMAIL_CONTEXT } from '../admin/onboarding.service.js';
import { QueueDispatch } from '../infra/queue-dispatch.js';
import { type EmailDetails, type PhoneDetails, openDetails } from '../methods/method-details.js';

/** Phones that can take a text: the mobile (alternate and office phones may be landlines). */
const MOBILE_TYPES = new Set(['mobile_text', 'mobile_call']);

/**
 * Messages to people about their account, through a channel other than the one involved. Each is written in
 * the caller's transaction and sent once that transaction has committed (`dispatch`).
 */
@Injectable()
export class Notices {
  constructor(
    private readonly outbox: Outbox,
    private readonly cipher: TenantCipher,
    private readonly queue: QueueDispatch,
  ) {}

  /** The password was right but the second check failed: tell the person, not on the factor that failed. */
  async failedSecondFactor(
    scope: TenantScope,
    accountId: string,
    failedMethodId: string | null,
    client: { ip?: string; location?: string },
  ): Promise<Delivery | null> {
    const account = await accounts.findById(scope, accountId);
    if (!account) return null;
    const organisation = (await tenants.own(scope)).name;
    const where = client.location ?? client.ip ?? 'an unknown place';
    const text =
      `Someone signed in to your ${organisation} account with your password from ${where}, but did not pass the second check. ` +
      'If this was not you, change your password now and tell your local helpdesk.';
    const key = `notice:failed-mfa:${accountId}:${Math.floor(Date.now() / 60_000)}`;
    const failed = failedMethodId ? await methods.findOfAccount(scope, accountId, failedMethodId) : null;
    return this.tell(
      scope,
      account,
      { subject: `Unusual sign-in to your ${organisation} account`, text },
      key,
      failed ? [failed.deviceRef] : [],
    );
  }

  /**
   * A change of security info: told to the person's contact address, or else on a phone or address of theirs
   * that the change did not touch, so that whoever made it cannot hide it.
   */
  async securityInfoChanged(
    scope: TenantScope,
    accountId: string,
    what: string,
    changedDeviceRefs: Buffer[],
  ): Promise<Delivery | null> {
    const account = await accounts.findById(scope, accountId);
    if (!account) return null;
    const organisation = (await tenants.own(scope)).name;
    const text = `${what} If this was not you, tell your local helpdesk now. (${organisation})`;
    const key = `notice:security-info:${accountId}:${Date.now()}`;
    return this.tell(
      scope,
      account,
      { subject: `Your ${organisation} security info was changed`, text },
      key,
      changedDeviceRefs,
    );
  }

  /** The number a phone method moved away from hears of it once, and never gets another code. */
  async phoneReplaced(scope: TenantScope, accountId: string, oldPhone: string, newPhone: string) {
    const organisation = (await tenants.own(scope)).name;
    const ending = newPhone.slice(-2);
    return this.create(
      scope,
      oldPhone,
      {
        kind: 'sms',
        body: `This number is no longer used to sign in to your ${organisation} account: it was replaced by a number ending ${ending}. If this was not you, tell your local helpdesk now.`,
      },
      `notice:phone-replaced:${accountId}:${Date.now()}`,
    );
  }

  /**
   * A message to the person on every channel they have except the devices to avoid (those a reset was proved
   * with): the contact address, and each mobile and address among their methods, once per device. When they
   * have no other, it goes to the mobiles and addresses on the avoided devices: the person is always told.
   */
  async everywhereBut(
    scope: TenantScope,
    account: Account,
    message: { subject: string; text: string },
    key: string,
    avoid: Buffer[],
  ): Promise<Delivery[]> {
    const out: (Delivery | null)[] = [];
    if (account.contactEmailEnc) {
      const to = await this.cipher.decryptText(
        scope.tenantId,
        CONTACT_EMAIL_CONTEXT,
        account.contactEmailEnc,
      );
      out.push(await this.create(scope, to, { kind: 'email', ...message }, `${key}:c`));
    }
    const reachable = (await methods.verifiedOf(scope, account.id))
      .map((method, i) => ({ method, key: `${key}:${i}` }))
      .filter(({ method }) => MOBILE_TYPES.has(method.type) || method.type === 'email');
    const elsewhere = reachable.filter(({ method }) => !avoid.some((ref) => ref.equals(method.deviceRef)));
    const targets = account.contactEmailEnc || elsewhere.length > 0 ? elsewhere : reachable;
    const reached: Buffer[] = [];
    for (const { method, key: methodKey } of targets) {
      if (reached.some((ref) => ref.equals(method.deviceRef))) continue;
      reached.push(method.deviceRef);
      if (method.type === 'email') {
        const { email } = await openDetails<EmailDetails>(this.cipher, method);
        out.push(await this.create(scope, email, { kind: 'email', ...message }, methodKey));
      } else {
        const { phone } = await openDetails<PhoneDetails>(this.cipher, method);
        out.push(await this.create(scope, phone, { kind: 'sms', body: message.text }, methodKey));
      }
    }
    return out.filter((d): d is Delivery => d !== null);
  }

  /** An account with elevated rights had its password reset: every other administrator is told, by email. */
  async elevatedPasswordReset(scope: TenantScope, account: Account, where: string): Promise<Delivery[]> {
    const organisation = (await tenants.own(scope)).name;
    const out: Delivery[] = [];
    for (const admin of await accounts.administrators(scope)) {
      if (admin.id === account.id || !admin.contactEmailEnc) continue;
      const to = await this.cipher.decryptText(scope.tenantId, CONTACT_EMAIL_CONTEXT, admin.contactEmailEnc);
      const delivery = await this.create(
        scope,
        to,
        {
          kind: 'email',
          subject: `Password reset: ${account.username}`,
          text:
            `The password of ${account.displayName} (${account.username}), an account with elevated rights in ${organisation}, ` +
            `was reset by self-service from ${where}. If this is not expected, disable the account and contact them.`,
        },
        `notice:admin-reset:${admin.id}:${Date.now()}`,
      );
      if (delivery) out.push(delivery);
    }
    return out;
  }

  /** A fraud report: every administrator of the organisation, by email, once per report. */
  async fraudReported(scope: TenantScope, accountId: string, method: string): Promise<Delivery[]> {
    const account = await accounts.findById(scope, accountId);
    if (!account) return [];
    const organisation = (await tenants.own(scope)).name;
    const out: Delivery[] = [];
    for (const admin of await accounts.administrators(scope)) {
      if (!admin.contactEmailEnc) continue;
      const to = await this.cipher.decryptText(scope.tenantId, CONTACT_EMAIL_CONTEXT, admin.contactEmailEnc);
      const delivery = await this.create(
        scope,
        to,
        {
          kind: 'email',
          subject: `Fraud reported: ${account.username}`,
          text:
            `${account.displayName} (${account.username}) reported a sign-in attempt as fraud (${method}). ` +
            `Their authenticator notifications are stopped and the account is marked at risk until an administrator of ${organisation} reviews it.`,
        },
        `notice:fraud:${accountId}:${admin.id}:${account.atRiskSince?.getTime() ?? Date.now()}`,
      );
      if (delivery) out.push(delivery);
    }
    return out;
  }

  /**
   * Queues committed deliveries without letting Redis hold the request (see `QueueDispatch`): true when all were
   * queued now; the others are sent once the queue takes them.
   */
  dispatch(
    deliveries: (Pick<Delivery, 'id' | 'tenantId' | 'channel'> | null)[],
    correlationId: string,
  ): Promise<boolean> {
    return this.queue.send(deliveries, correlationId);
  }

  /**
   * A message to the person: to their contact address, or else by text to a mobile or by email to an address of
   * theirs that is not on one of the `avoid` devices (the factor that failed, the method that changed).
   */
  private async tell(
    scope: TenantScope,
    account: Account,
    message: { subject: string; text: string },
    key: string,
    avoid: Buffer[],
  ): Promise<Delivery | null> {
    const email = (to: string) =>
      this.create(scope, to, { kind: 'email', subject: message.subject, text: message.text }, key);
    if (account.contactEmailEnc)
      return email(
        await this.cipher.decryptText(scope.tenantId, CONTACT_EMAIL_CONTEXT, account.contactEmailEnc),
      );
    for (const method of await methods.verifiedOf(scope, account.id)) {
      if (avoid.some((ref) => ref.equals(method.deviceRef))) continue;
      if (MOBILE_TYPES.has(method.type)) {
        const { phone } = await openDetails<PhoneDetails>(this.cipher, method);
        return this.create(scope, phone, { kind: 'sms', body: message.text }, key);
      }
      if (method.type === 'email') return email((await openDetails<EmailDetails>(this.cipher, method)).email);
    }
    return null;
  }

  private async create(
    scope: TenantScope,
    to: string,
    content: Parameters<Outbox['create']>[1]['content'],
    idempotencyKey: string,
  ): Promise<Delivery | null> {
    const { delivery, created } = await this.outbox.create(scope, { to, content, idempotencyKey });
    return created ? delivery : null;
  }
}
