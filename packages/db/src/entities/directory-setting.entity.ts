import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Tenant } from './tenant.entity.js';

/** Where an organisation's own directory (Active Directory, OpenLDAP) takes reset passwords: settings encrypted. */
@Entity({ name: 'directory_settings' })
export class DirectorySetting {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'PK_directory_settings' })
  tenantId: string;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  /** The connector's settings as JSON (the service account's password included), encrypted with the data key. */
  @Column({ name: 'settings_enc', type: 'bytea' })
  settingsEnc: Buffer;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'FK_directory_settings_tenant' })
  tenant?: Tenant;
}
