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

/** The session's last authentication is older than a change of security info allows (R31). */
export const stepUpRequired = (minutes: number) =>
  new DomainError(
    401,
    'step-up-required',
    'Verify your identity',
    `Verify your identity again to make this change: for your security, it needs a check made in the last ${minutes} minutes.`,
  );

/** No step-up is possible now: the policy's reasons say why (nothing usable, registration needed, blocked). */
export const stepUpUnavailable = (reasons: { code: string; message: string }[]) =>
  new DomainError(
    409,
    'step-up-unavailable',
    'Cannot verify your identity',
    reasons.map((r) => r.message).join(' ') ||
      'None of your sign-in methods can be used to verify your identity now. Contact your local helpdesk.',
    undefined,
    reasons,
  );
