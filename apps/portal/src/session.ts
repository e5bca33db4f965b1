import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

const COOKIE = 'verity_portal';
/** No portal session outlives the API's own limit (12 hours). */
const LIFETIME_SECONDS = 12 * 3600;

/** What the portal keeps for a browser, server-side in Redis; the cookie holds only a random id. */
export interface PortalSession {
  /** The Verity session token of the signed-in person, per organisation. */
  tokens?: Record<string, string>;
  /** A sign-in under way: its flow, the method chosen, the challenge asked. */
  signIn?: {
    org: string;
    flowId: string;
    methodId?: string;
    methods?: {
      id: string;
      type: string;
      label: string | null;
      display: string | null;
      isDefault: boolean;
    }[];
    challengeId?: string;
    shown?: Record<string, unknown>;
    remember?: boolean;
    /** "Don't ask again for N days", when the organisation allows it for this person. */
    rememberDays?: number;
    stepUp?: boolean;
    returnTo?: string;
    /** The Security info change the step-up was asked for, made once it succeeds. */
    pending?: PendingChange;
  };
  /**
   * A "Keep your account secure" wizard under way, and the method being added: ids only. What an enrolment shows
   * (a QR code, a TOTP seed, an activation link) is asked of the API each time its page is drawn, never kept here.
   */
  wizard?: { org: string; flowId: string; enrolmentId?: string };
  /** A change on Security info under way (an enrolment): its id only, as for the wizard. */
  enrolment?: { org: string; enrolmentId: string };
  /** A password reset under way. */
  reset?: { org: string; flowId: string; challengeId?: string; shown?: Record<string, unknown> };
  /** "Don't ask again for N days": the remembered-device token per organisation. */
  remembered?: Record<string, string>;
  flash?: { kind: 'success' | 'info'; text: string };
}

/**
 * A Security info change waiting for a step-up: what it is and its parameters, none of them secret (a method's
 * id, the type being added, the phone number or address typed).
 */
export type PendingChange =
  | { action: 'setDefault'; methodId: string }
  | { action: 'delete'; methodId: string }
  | { action: 'changePhone'; methodId: string; phone: string }
  | { action: 'add'; type: string; phone?: string; email?: string };

export class Sessions {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly secure: boolean,
  ) {}

  async load(request: FastifyRequest): Promise<{ id: string | null; data: PortalSession }> {
    const raw = request.cookies[COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : null;
    const id = unsigned?.valid ? unsigned.value : null;
    if (!id) return { id: null, data: {} };
    const stored = await this.redis.get(this.key(id));
    return { id, data: stored ? (JSON.parse(stored) as PortalSession) : {} };
  }

  async save(reply: FastifyReply, id: string | null, data: PortalSession): Promise<string> {
    const sessionId = id ?? randomBytes(32).toString('base64url');
    await this.redis.set(this.key(sessionId), JSON.stringify(data), 'EX', LIFETIME_SECONDS);
    if (!id)
      reply.setCookie(COOKIE, sessionId, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: this.secure,
        signed: true,
        maxAge: LIFETIME_SECONDS,
      });
    return sessionId;
  }

  /** A new id for the same browser (after signing in), so a session id seen before cannot be reused. */
  async rotate(reply: FastifyReply, id: string | null, data: PortalSession): Promise<void> {
    if (id) await this.redis.del(this.key(id));
    reply.clearCookie(COOKIE, { path: '/' });
    await this.save(reply, null, data);
  }

  private key(id: string): string {
    return `${this.prefix}:portal:session:${id}`;
  }
}
