import { DomainError } from '../problem/problem.js';

/** Missing, malformed, unknown, expired, idle, revoked, another organisation's: one answer for all. */
export const sessionExpired = () =>
  new DomainError(
    401,
    'session-expired',
    'Signed out',
    'Your session has ended or is not valid here. Sign in again.',
  );

/** A result this deployment did not sign for this organisation, or one that has expired, or whose person cannot sign in now. */
export const resultRefused = () =>
  new DomainError(
    401,
    'result-invalid',
    'Sign-in result not accepted',
    'The sign-in result is not valid here: it has expired, was made for another organisation or was not issued by Verity. Sign in again.',
  );

export const resultUsed = () =>
  new DomainError(
    409,
    'result-used',
    'Already exchanged',
    'This sign-in result has already been exchanged for a session. Sign in again to start another.',
  );
