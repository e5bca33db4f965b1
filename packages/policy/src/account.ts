import type { MethodType } from './catalogue.js';

/** One method a person has registered (and verified). */
export interface RegisteredMethod {
  readonly id: string;
  readonly type: MethodType;
  /**
   * The physical device it binds to, from deviceKeyFor(): `phone:+447700900123` for a text or a
   * call to that number, `app:<installation id>` for push and code from one authenticator app,
   * `email:<address>`, `key:<credential id>`. Equal keys are one device.
   */
  readonly deviceKey: string;
  /** The person chose this as their default sign-in method. */
  readonly isDefault?: boolean;
}

/** What the policy needs to know about a staff account. */
export interface Account {
  readonly id: string;
  /** Local administrators and anyone else with elevated rights (seeds 001, 004). */
  readonly elevatedRights: boolean;
  /** "Office phone verification cannot be used by NHSmail Office 365 Hybrid users." (seed 001) */
  readonly hybrid?: boolean;
  /** How many times the person has postponed the registration wizard. */
  readonly snoozesUsed?: number;
  readonly methods: readonly RegisteredMethod[];
}

/** Every decision is made at an instant the caller supplies; the package never reads the clock. */
export interface DecisionTime {
  readonly now: Date;
}
