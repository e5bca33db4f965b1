import { createHmac } from 'node:crypto';
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';
import type { Payload } from 'altcha-lib/v1/types';

/** How long a browser has to solve the CAPTCHA. */
const CAPTCHA_LIFETIME_MS = 10 * 60_000;

/**
 * A self-hosted proof-of-work CAPTCHA (ALTCHA): the browser finds a number whose hash matches, which costs it
 * about a second and costs a script sending thousands of resets as many seconds. Each challenge names the
 * reset it belongs to, so a solution works once, for that reset, in that organisation (the key is its own).
 */
export class Captcha {
  constructor(private readonly maxNumber: number) {}

  issue(codeKey: Buffer, flowId: string) {
    return createChallenge({
      hmacKey: hmacKeyOf(codeKey),
      maxNumber: this.maxNumber,
      params: { reset: flowId },
      expires: new Date(Date.now() + CAPTCHA_LIFETIME_MS),
    });
  }

  /** True when the solution is right, signed with this organisation's key, unexpired and made for this reset. */
  async solved(codeKey: Buffer, flowId: string, solution: string | Payload): Promise<boolean> {
    try {
      if (!(await verifySolution(solution, hmacKeyOf(codeKey), true))) return false;
      return extractParams(solution).reset === flowId;
    } catch {
      return false;
    }
  }
}

function hmacKeyOf(codeKey: Buffer): string {
  return createHmac('sha256', codeKey).update('captcha').digest('hex');
}
