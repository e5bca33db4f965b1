/**
 * The operations whose every answer in the integration tests must match the OpenAPI document (ContractCheck).
 * The list only grows: an operation joins once its responses are documented.
 */
export const CHECKED_OPERATIONS: ReadonlySet<string> = new Set<string>([]);
