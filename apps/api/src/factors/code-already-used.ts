import { DomainError } from '../problem/problem.js';

/**
 * A right authenticator-app code that was already accepted once (each 30-second code is single use, at sign-in,
 * step-up and password reset alike): not a wrong code, and not a request to start again; the app shows the next
 * code within 30 seconds.
 */
export const codeAlreadyUsed = () =>
  new DomainError(
    409,
    'code-already-used',
    'Code already used',
    'That code has already been used. Wait for the next code in your authenticator app and enter it.',
  );
