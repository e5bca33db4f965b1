import { API_SCOPES, AREA_SCOPES, PORTAL_SCOPES, parseScopes } from './scope-names.js';

describe('the scopes of API keys', () => {
  it('reads --scopes as a comma-separated list, each once', () => {
    expect(parseScopes('sign-in, policy,sign-in')).toEqual(['sign-in', 'policy']);
  });

  it.each(['', ' , ', 'sign-in,everything', 'Policy'])('refuses %j, listing the scopes there are', (list) => {
    expect(() => parseScopes(list)).toThrow(`name one or more of ${API_SCOPES.join(', ')}`);
  });

  it('gives the portal only the areas it calls, and forwarded-address is no area', () => {
    expect([...PORTAL_SCOPES].sort()).toEqual([
      'forwarded-address',
      'password-reset',
      'security-info',
      'sign-in',
    ]);
    expect(AREA_SCOPES).not.toContain('forwarded-address');
    expect(AREA_SCOPES).toHaveLength(API_SCOPES.length - 1);
  });
});
