// How long a signed-in session lasts before the person must authenticate again (R30). Not per organisation:
// these are the limits every revision of NIST 800-63B accepts, so no organisation needs them looser.

export interface SessionLimits {
  /** From the authentication the session came from; never extended, however busy the session. */
  readonly absoluteSeconds: number;
  /** Since the last request made with the session. */
  readonly idleSeconds: number;
}

/**
 * AAL2 (and AAL1) sessions: 12 hours overall, 30 minutes idle (NIST 800-63B-3 §4.2.3, rev4 2PD §4.2.3).
 * Elevated rights are held to the AAL3 figures: 12 hours overall, 15 minutes idle.
 */
export const SESSION_LIMITS: {
  readonly standard: SessionLimits;
  readonly elevated: SessionLimits;
} = Object.freeze({
  standard: Object.freeze({ absoluteSeconds: 12 * 3600, idleSeconds: 30 * 60 }),
  elevated: Object.freeze({ absoluteSeconds: 12 * 3600, idleSeconds: 15 * 60 }),
});

/** The limits of a session of this account. */
export function sessionLimits(account: { readonly elevatedRights: boolean }): SessionLimits {
  return account.elevatedRights ? SESSION_LIMITS.elevated : SESSION_LIMITS.standard;
}

/**
 * How long after the person last authenticated (the sign-in, or a later step-up) they may change anything that
 * affects authentication or recovery without proving who they are again: 10 minutes, as the Security info issue
 * asks, well within the 20 minutes of R31 (ASVS 5.0 7.5.1; NIST 800-63B rev4 2PD §6.1.2.1). Older than this,
 * the change is refused until a step-up.
 */
export const STEP_UP_SECONDS = 10 * 60;
