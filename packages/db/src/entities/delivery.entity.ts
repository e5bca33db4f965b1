import type { ChannelKind } from '@verity/channel-sdk';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Tenant } from './tenant.entity.js';

export type DeliveryChannel = ChannelKind;
export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed';

/** One message leaving Verity through a channel. Its content is fixed (and encrypted) when it is created. */
@Entity({ name: 'deliveries' })
@Index('UQ_deliveries_idempotency_key', ['tenantId', 'idempotencyKey'], { unique: true })
@Index('IDX_deliveries_tenant_status', ['tenantId', 'status'])
@Index('IDX_deliveries_provider_message', ['provider', 'providerMessageId'])
export class Delivery {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @Column({ name: 'challenge_id', type: 'uuid', nullable: true })
  challengeId: string | null;

  @Column({ type: 'varchar', length: 16 })
  channel: DeliveryChannel;

  /** The authenticator device or method the message goes to, e.g. to deactivate a device FCM no longer knows. */
  @Column({ name: 'target_id', type: 'uuid', nullable: true })
  targetId: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  provider: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 100 })
  idempotencyKey: string;

  @Column({ name: 'recipient_enc', type: 'bytea' })
  recipientEnc: Buffer;

  @Column({ name: 'content_enc', type: 'bytea' })
  contentEnc: Buffer;

  @Column({ type: 'varchar', length: 16, default: 'queued' })
  status: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'provider_message_id', type: 'varchar', length: 200, nullable: true })
  providerMessageId: string | null;

  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;
}
