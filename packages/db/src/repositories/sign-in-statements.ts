import { Account, Challenge, Flow, Method, Tenant } from '../entities/index.js';
import { hydrate } from '../rows.js';
import type { Tenancy } from '../tenancy.js';
import type { AuditEntry } from './audit.js';
import type { NewChallenge } from './challenges.js';
import type { NewDelivery } from './deliveries.js';
import type { NewFlow } from './flows.js';

export interface SignInContext {
  flow: Flow;
  /** The challenge asked for, or else the flow's latest (`data.challengeId`). */
  challenge: Challenge | null;
  /** The method asked for, or else the challenge's; always the flow's account's. */
  method: Method | null;
  account: Account | null;
  tenant: Tenant;
}

export interface SignInAccount {
  account: Account | null;
  /** The account's verified methods, oldest first. */
  methods: Method[];
  tenant: Tenant;
}

/** The policy's push limits for one person (policy `push.*`). */
export interface PushLimits {
  maxOutstanding: number;
  maxPerWindow: number;
  windowMinutes: number;
}

export type ChallengeOutcome =
  | { outcome: 'created' }
  | { outcome: 'flow-moved' }
  /** A push limit reached: the account's counts when it was checked. */
  | { outcome: 'limited'; outstanding: number; sentInWindow: number };

export type AnswerOutcome = 'accepted' | 'replayed' | 'locked' | 'challenge-over' | 'flow-gone';

interface Step {
  flow: Pick<Flow, 'id' | 'step'>;
  /** The flow's data after this step. */
  data: Record<string, unknown>;
  audit: AuditEntry;
}

/**
 * The sign-in's hot path as one read and one write per step (migration 007), each a single round trip outside
 * any TypeORM transaction. Writes are conditional on the flow's step, the challenge still pending and, for
 * TOTP, a time step not yet accepted, so replays and races change nothing.
 */
export class SignInStatements {
  constructor(private readonly tenancy: Tenancy) {}

  async account(tenantId: string, username: string): Promise<SignInAccount> {
    const found = await this.tenancy.callOne<{
      account: Record<string, unknown> | null;
      methods: Record<string, unknown>[];
      tenant: Record<string, unknown>;
    }>('verity_sign_in_account', tenantId, username);
    const ds = this.tenancy.dataSource;
    return {
      account: hydrate(ds, Account, found.account),
      methods: found.methods.map((m) => hydrate(ds, Method, m)!),
      tenant: hydrate(ds, Tenant, found.tenant)!,
    };
  }

  /** The password step's audit row and, when the password was right, its new flow. */
  async started(
    tenantId: string,
    step: { flow: (NewFlow & { id: string }) | null; audit: AuditEntry },
  ): Promise<void> {
    const { flow } = step;
    await this.tenancy.callOne<boolean>(
      'verity_sign_in_started',
      tenantId,
      flow
        ? row({
            id: flow.id,
            tenant_id: tenantId,
            account_id: flow.accountId ?? null,
            kind: flow.kind,
            state: flow.state,
            data: flow.data ?? {},
            expires_at: flow.expiresAt,
          })
        : null,
      auditRow(tenantId, step.audit),
    );
  }

  async context(
    tenantId: string,
    flowId: string,
    ids: { challengeId?: string; methodId?: string } = {},
  ): Promise<SignInContext | null> {
    const found = await this.tenancy.callOne<Record<string, Record<string, unknown> | null> | null>(
      'verity_sign_in_context',
      tenantId,
      flowId,
      ids.challengeId ?? null,
      ids.methodId ?? null,
    );
    if (!found) return null;
    const ds = this.tenancy.dataSource;
    return {
      flow: hydrate(ds, Flow, found.flow)!,
      challenge: hydrate(ds, Challenge, found.challenge),
      method: hydrate(ds, Method, found.method),
      account: hydrate(ds, Account, found.account),
      tenant: hydrate(ds, Tenant, found.tenant)!,
    };
  }

  /**
   * The challenge, its delivery and audit row written, unless the flow moved on since it was read or, for a
   * push (`pushLimits` given), the account's pushes reached a limit: then nothing is written. The limits are
   * counted and the challenge inserted in one statement, under a lock per account (migration 020).
   */
  challengeCreated(
    tenantId: string,
    step: Step & {
      challenge: NewChallenge & { id: string };
      delivery: (NewDelivery & { id: string }) | null;
      pushLimits?: PushLimits;
    },
  ): Promise<ChallengeOutcome> {
    const { challenge, delivery } = step;
    return this.tenancy.callOne<ChallengeOutcome>(
      'verity_challenge_created',
      tenantId,
      step.flow.id,
      step.flow.step,
      step.data,
      row({
        id: challenge.id,
        tenant_id: tenantId,
        account_id: challenge.accountId,
        flow_id: challenge.flowId,
        method_id: challenge.methodId,
        method_type: challenge.methodType,
        purpose: challenge.purpose,
        code_hash: challenge.codeHash,
        expires_at: challenge.expiresAt,
        context: challenge.context ?? {},
      }),
      delivery
        ? row({
            id: delivery.id,
            tenant_id: tenantId,
            challenge_id: delivery.challengeId ?? null,
            channel: delivery.channel,
            idempotency_key: delivery.idempotencyKey,
            recipient_enc: delivery.recipientEnc,
            content_enc: delivery.contentEnc,
            target_id: delivery.targetId ?? null,
          })
        : null,
      auditRow(tenantId, step.audit),
      step.pushLimits ? JSON.stringify(step.pushLimits) : null,
    );
  }

  async answerAccepted(
    tenantId: string,
    step: Step & { challengeId: string; methodId: string; timeStep?: number; detailsEnc?: Buffer },
  ): Promise<AnswerOutcome> {
    try {
      return await this.tenancy.callOne<AnswerOutcome>(
        'verity_answer_accepted',
        tenantId,
        step.flow.id,
        step.flow.step,
        step.data,
        step.challengeId,
        step.methodId,
        step.timeStep ?? null,
        step.detailsEnc ?? null,
        auditRow(tenantId, step.audit),
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'VY410') return 'challenge-over';
      if (code === 'VY404') return 'flow-gone';
      throw error;
    }
  }
}

function auditRow(tenantId: string, entry: AuditEntry) {
  return row({
    tenant_id: tenantId,
    actor_type: entry.actorType,
    actor_id: entry.actorId ?? null,
    action: entry.action,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId ?? null,
    outcome: entry.outcome,
    ip: entry.ip ?? null,
    correlation_id: entry.correlationId ?? null,
    details: entry.details ?? {},
  });
}

/** A row for jsonb_populate_record: bytea as Postgres hex text, dates as ISO strings. */
function row(columns: Record<string, unknown>): string {
  return JSON.stringify(columns, (_key, value: unknown) =>
    isBufferJson(value) ? `\\x${Buffer.from(value.data).toString('hex')}` : value,
  );
}

function isBufferJson(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer';
}
