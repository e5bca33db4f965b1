// @verity/sdk: the typed client a relying application (the Verity portal first) uses to call the Verity API.
export { createVerityClient, type VerityClient, type VerityClientOptions } from './client.js';
export { VerityProblem, VerityUnavailable, type UnavailableReason } from './errors.js';
export type * from './types.js';
