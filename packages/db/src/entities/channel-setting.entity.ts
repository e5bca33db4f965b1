import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Tenant } from './tenant.entity.js';

/** An organisation's own provider for one kind of message (its SMS sender, its email sender), encrypted. */
@Entity({ name: 'channel_settings' })
export class ChannelSetting {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  /** The provider's settings as JSON (credentials included), encrypted with the organisation's data key. */
  @Column({ name: 'config_enc', type: 'bytea' })
  configEnc: Buffer;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;
}
