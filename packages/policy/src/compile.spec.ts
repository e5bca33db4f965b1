import { compilePolicy } from './compile.js';
import { DEFAULT_POLICY, policyFrom } from './parse.js';

describe(compilePolicy.name, () => {
  it('builds a policy’s tables once and reuses them', () => {
    expect(compilePolicy(DEFAULT_POLICY)).toBe(compilePolicy(DEFAULT_POLICY));
  });

  it('shares rule tables between organisations with the same method settings', () => {
    const a = compilePolicy(
      policyFrom({ conditionalMfa: { trustedNetworks: [{ name: 'A', cidrs: ['10.0.0.0/8'] }] } }),
    );
    const b = compilePolicy(policyFrom({ lockout: { failedAttempts: 5 } }));
    expect(a).not.toBe(b);
    expect(a.signIn).toBe(b.signIn);
    expect(a.isTrustedNetwork('10.1.1.1')).toBe(true);
    expect(b.isTrustedNetwork('10.1.1.1')).toBe(false);
  });

  it('keeps tables apart when the method settings differ', () => {
    const noText = compilePolicy(policyFrom({ allowedMethods: ['authenticator_push', 'email'] }));
    const laterDate = compilePolicy(policyFrom({ elevatedRights: { effectiveDate: '2025-01-01' } }));
    const base = compilePolicy(DEFAULT_POLICY);
    expect(noText.signIn).not.toBe(base.signIn);
    expect(noText.signIn[0].mobile_text.blockers.map((r) => r.code)).toEqual(['METHOD_DISABLED']);
    expect(base.signIn[0].mobile_text.blockers).toEqual([]);
    expect(laterDate.elevatedRefused.mobile_text.message).toMatch(/from 1 January 2025/);
  });

  it('refuses to let a parsed policy change under it', () => {
    expect(() => {
      (DEFAULT_POLICY.sspr as { methodsToReset: number }).methodsToReset = 1;
    }).toThrow(TypeError);
  });
});
