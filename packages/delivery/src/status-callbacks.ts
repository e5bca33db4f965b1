import { type Tenancy, tenants } from '@verity/db';

/** The API's route for each provider that takes a per-message status callback URL. */
const STATUS_PATHS: Record<string, (slug: string) => string> = {
  'twilio-sms': (slug) => `/webhooks/twilio/${slug}/sms/status`,
  'twilio-voice': (slug) => `/webhooks/twilio/${slug}/voice/status`,
};

/**
 * Where a provider reports what became of a message (delivered, failed): the API's public address, the
 * organisation's slug and the kind, e.g. https://verity.example.nhs.uk/webhooks/twilio/northshire/sms/status.
 * Providers that take no such URL (SendGrid's Event Webhook is set in its account) get none.
 */
export class StatusCallbacks {
  private readonly base: string;
  /** Slugs never change, so each is read once per process. */
  private readonly slugs = new Map<string, Promise<string>>();

  constructor(
    private readonly tenancy: Tenancy,
    publicUrl: string,
  ) {
    this.base = publicUrl.replace(/\/+$/, '');
  }

  async urlFor(tenantId: string, provider: string): Promise<string | undefined> {
    const path = STATUS_PATHS[provider];
    return path ? `${this.base}${path(await this.slugOf(tenantId))}` : undefined;
  }

  private slugOf(tenantId: string): Promise<string> {
    let slug = this.slugs.get(tenantId);
    if (!slug) {
      slug = this.tenancy.run(tenantId, async (scope) => (await tenants.own(scope)).slug);
      slug.catch(() => this.slugs.delete(tenantId));
      this.slugs.set(tenantId, slug);
    }
    return slug;
  }
}
