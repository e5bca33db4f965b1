import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from './tenant.entity.js';

/** One version of an organisation's data key, wrapped by a master key from configuration. */
@Entity({ name: 'data_keys' })
export class DataKey {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ name: 'master_key_id', type: 'varchar', length: 32 })
  masterKeyId: string;

  @Column({ type: 'bytea' })
  wrapped: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;
}
