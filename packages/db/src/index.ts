export * from './entities/index.js';
export { createDataSource, type DataSourceOptions } from './data-source.js';
export { migrate, openRuntimeDataSource, type MigrateOptions } from './migrate.js';
export { migrations } from './migrations/index.js';
export { applyTenantRls, RUNTIME_ROLE } from './migrations/rls.js';
export { Tenancy, isUuid, type TenantScope, type OperatorScope } from './tenancy.js';
export * from './repositories/index.js';
