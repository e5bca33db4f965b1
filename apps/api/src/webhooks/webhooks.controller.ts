import { Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { CallbackRequest, Channel, ChannelKind } from '@verity/channel-sdk';
import {
  type Delivery,
  Tenancy,
  audit,
  challenges,
  deliveries,
  isUuid,
  providerEvents,
  tenants,
} from '@verity/db';
import { OrganisationChannels } from '@verity/delivery';
import { TenantCipher, constantTimeEqual, hashCode } from '@verity/secrets';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiConfig, CONFIG } from '../config.js';
import { DomainError, problems } from '../problem/problem.js';
import { policyOfTenant } from '../methods/policy-account.js';
import { numberContext } from '../sign-in/contexts.js';
import { DeviceService } from '../sign-in/device.service.js';
import { Notices } from '../sign-in/notices.js';

type RawRequest = FastifyRequest & { rawBody?: Buffer };

const forged = () =>
  new DomainError(
    403,
    'bad-signature',
    'Signature not valid',
    'The callback is not signed by the provider for this organisation.',
  );

/**
 * Callbacks from the providers. Each is checked against the provider's signature with the organisation's
 * credentials before anything changes; each event is applied once, however often it arrives.
 */
@ApiExcludeController()
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly channels: OrganisationChannels,
    private readonly cipher: TenantCipher,
    private readonly devices: DeviceService,
    private readonly notices: Notices,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  // Static paths: fastify's router prefers `status` to the `voice/:deliveryId` parameter, so a call's status
  // callback is never taken for the call being answered.
  @Post('twilio/:tenant/sms/status')
  @HttpCode(204)
  async smsStatus(@Param('tenant') slug: string, @Req() request: RawRequest): Promise<void> {
    await this.applyStatus(slug, 'sms', request);
  }

  @Post('twilio/:tenant/voice/status')
  @HttpCode(204)
  async callStatus(@Param('tenant') slug: string, @Req() request: RawRequest): Promise<void> {
    await this.applyStatus(slug, 'voice', request);
  }

  @Post('sendgrid/:tenant/events')
  @HttpCode(204)
  async sendGridEvents(@Param('tenant') slug: string, @Req() request: RawRequest): Promise<void> {
    await this.applyStatus(slug, 'email', request);
  }

  /**
   * Twilio asks what to say when the person answers: a greeting, then press # to approve (or, where the
   * policy asks for it, key the number shown on the sign-in screen, then #), or 0 then # to report fraud.
   */
  @Post('twilio/:tenant/voice/:deliveryId')
  async voiceAnswer(
    @Param('tenant') slug: string,
    @Param('deliveryId') deliveryId: string,
    @Req() request: RawRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!isUuid(deliveryId)) throw problems.notFound('call');
    const { tenantId, channel, callback } = await this.verified(slug, 'voice', request);
    const { tenant, keyed, purpose } = await this.tenancy.run(tenantId, async (scope) => {
      const delivery = await deliveries.findById(scope, deliveryId);
      const challenge = delivery?.challengeId ? await challenges.findById(scope, delivery.challengeId) : null;
      return {
        tenant: await tenants.own(scope),
        keyed: challenge?.codeHash != null,
        purpose: challenge?.purpose,
      };
    });
    const actionUrl = `${callback.url.split('?')[0]}/keypress`;
    const report = spoken(policyOfTenant(tenant).voice.fraudCode);
    const say =
      purpose === 'registration'
        ? `Hello. This is ${tenant.name}, checking the phone number you are adding to your security info. ` +
          'If you are adding it, press the hash key to confirm. ' +
          `If you are not, press ${report}.`
        : purpose === 'password_reset'
          ? `Hello. This is ${tenant.name}, checking a request to reset your password. ` +
            'If you asked to reset it, press the hash key. ' +
            `If you did not, press ${report}, and we will tell your organisation.`
          : `Hello. This is the sign-in check for ${tenant.name}. ` +
            (keyed
              ? 'If you are trying to sign in, enter the number shown on your sign-in screen, then press the hash key. '
              : 'If you are trying to sign in, press the hash key to approve. ') +
            `If you are not, press ${report}.`;
    this.sendInstructions(reply, channel.callInstructions!({ say, digits: 0, actionUrl }));
  }

  /**
   * The keys pressed: # (or the number, then #) approves, the policy's fraud code (0# unless it says
   * otherwise) denies and reports fraud, anything else denies.
   */
  @Post('twilio/:tenant/voice/:deliveryId/keypress')
  async voiceKeypress(
    @Param('tenant') slug: string,
    @Param('deliveryId') deliveryId: string,
    @Req() request: RawRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!isUuid(deliveryId)) throw problems.notFound('call');
    const { tenantId, channel, callback } = await this.verified(slug, 'voice', request);
    const { providerMessageId, digits } = channel.parseKeypress!(callback);
    const alerts: Delivery[] = [];
    let fraud = false;
    const said = await this.tenancy.run(tenantId, async (scope) => {
      // Gather ends on #, so the digits come without it
      fraud = `${digits}#` === policyOfTenant(await tenants.own(scope)).voice.fraudCode;
      const delivery = await deliveries.findById(scope, deliveryId);
      if (!delivery || delivery.providerMessageId !== providerMessageId || !delivery.challengeId)
        return 'nothing';
      if (!(await providerEvents.firstTime(scope, channel.provider, `${providerMessageId}:keypress`)))
        return 'nothing';
      const challenge = await challenges.findById(scope, delivery.challengeId);
      if (!challenge) return 'nothing';
      // a fraud report wins, even if its keys happen to be the number shown
      const approved =
        !fraud &&
        (challenge.codeHash
          ? digits !== '' &&
            constantTimeEqual(
              challenge.codeHash,
              hashCode(await this.cipher.codeKey(tenantId), `${numberContext(challenge.id)}:${digits}`),
            )
          : digits === '');
      const answer = approved ? 'approved' : 'denied';
      if (!(await challenges.settle(scope, challenge.id, answer))) return 'nothing';
      await audit.record(scope, {
        actorType: 'user',
        actorId: challenge.accountId,
        action: fraud ? 'fraud.reported' : `challenge.${answer}`,
        targetType: 'challenge',
        targetId: challenge.id,
        outcome: approved ? 'success' : 'denied',
        details: { method: 'voice', deliveryId },
      });
      if (fraud)
        alerts.push(...(await this.devices.reportFraud(scope, challenge.accountId, challenge.methodType)));
      return answer;
    });
    await this.notices.dispatch(alerts, deliveryId);
    const goodbye =
      said === 'approved'
        ? 'Thank you. Your sign-in has been approved. Goodbye.'
        : fraud
          ? 'Thank you. The sign-in has been denied and reported to your organisation. Goodbye.'
          : 'The sign-in has not been approved. Goodbye.';
    this.sendInstructions(reply, channel.goodbye!(goodbye));
  }

  private async applyStatus(slug: string, kind: ChannelKind, request: RawRequest): Promise<void> {
    const { tenantId, channel, callback } = await this.verified(slug, kind, request);
    const updates = channel.parseStatusCallback!(callback);
    await this.tenancy.run(tenantId, async (scope) => {
      for (const update of updates) {
        const eventId = update.eventId ?? `${update.providerMessageId}:${update.status}`;
        if (!(await providerEvents.firstTime(scope, channel.provider, eventId))) continue;
        await deliveries.applyStatus(scope, { ...update, provider: channel.provider });
      }
    });
  }

  private async verified(slug: string, kind: ChannelKind, request: RawRequest) {
    const tenantId = /^[a-z0-9-]{1,63}$/.test(slug) ? await this.tenancy.tenantForSlug(slug) : null;
    if (!tenantId) throw problems.notFound('organisation');
    // the organisation's own credentials sign its callbacks; unusable settings verify nothing
    const channel: Channel | null = await this.channels.channelFor(tenantId, kind).catch(() => null);
    if (!channel) throw forged();
    if (!channel.verifyCallback) throw problems.notFound('callback');
    const callback: CallbackRequest = {
      url: `${this.publicBase(request)}${request.url}`,
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
      ),
      rawBody: request.rawBody?.toString('utf8') ?? '',
    };
    if (!channel.verifyCallback(callback)) throw forged();
    return { tenantId, channel, callback };
  }

  /** Behind a proxy the URL the provider signed is the public one, not the one this process sees. */
  private publicBase(request: FastifyRequest): string {
    if (this.config.PUBLIC_URL) return this.config.PUBLIC_URL.replace(/\/$/, '');
    return `${request.protocol}://${request.host}`;
  }

  private sendInstructions(reply: FastifyReply, instructions: { contentType: string; body: string }): void {
    void reply.status(200).header('content-type', instructions.contentType).send(instructions.body);
  }
}

const KEY_NAMES: Record<string, string> = { '*': 'star', '#': 'the hash key', '0': 'zero' };

/** A keypad code as the call reads it: "9#" is "9, then the hash key". */
export function spoken(code: string): string {
  const keys = [...code].map((key) => KEY_NAMES[key] ?? key);
  const last = keys.pop() ?? '';
  return keys.length > 0 ? `${keys.join(', ')}, then ${last}` : last;
}
