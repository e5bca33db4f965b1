import {
  POLL_MS,
  POLL_WITH_PUSH_MS,
  firebaseOfWorker,
  pushBlocker,
  pushPlan,
  pushStatusText,
  requestNotification,
  workerUrl,
} from '../public/push-rules.js';
import { useLanguage } from '../public/strings.js';

beforeAll(() => useLanguage('en'));

describe('web push in the browser code (public/push-rules.js)', () => {
  describe(requestNotification.name, () => {
    it('shows a sign-in request from Verity’s data message as "Approve sign-in?", with organisation and app', () => {
      const shown = requestNotification({
        challengeId: 'ch-1',
        organisation: 'nhs-leeds',
        organisationName: 'Leeds Teaching Hospitals',
        app: 'NHSmail',
        location: 'Leeds, England, United Kingdom',
      });
      expect(shown).toEqual({
        title: 'Approve sign-in?',
        options: {
          body: 'Someone is signing in to NHSmail at Leeds Teaching Hospitals. Open the app to answer.',
          tag: 'request-ch-1',
          icon: '/icon.svg',
          requireInteraction: true,
          data: { challengeId: 'ch-1' },
        },
      });
    });

    it('falls back to the organisation’s slug, and leaves out an app it was not told', () => {
      expect(requestNotification({ challengeId: 'ch-2', organisation: 'nhs-leeds' })?.options.body).toBe(
        'Someone is signing in at nhs-leeds. Open the app to answer.',
      );
    });

    it('shows nothing else from the message: not a number, even if one were sent', () => {
      const shown = requestNotification({ challengeId: 'ch-3', organisation: 'o', number: '42' });
      expect(JSON.stringify(shown)).not.toContain('42');
    });

    it('ignores a message that is not about a sign-in request', () => {
      expect(requestNotification(undefined)).toBeNull();
      expect(requestNotification({ organisation: 'nhs-leeds' })).toBeNull();
    });
  });

  describe(pushBlocker.name, () => {
    it('asks Firebase for a token only when the browser can and notifications are allowed', () => {
      expect(pushBlocker({ supported: true, permission: 'granted' })).toBeNull();
      expect(pushBlocker({ supported: true, permission: 'default' })).toEqual({
        state: 'off',
        reason: 'not-asked',
      });
      expect(pushBlocker({ supported: true, permission: 'denied' })).toEqual({
        state: 'off',
        reason: 'denied',
      });
      expect(pushBlocker({ supported: false, permission: 'granted' })).toEqual({
        state: 'off',
        reason: 'unsupported',
      });
    });
  });

  describe(pushPlan.name, () => {
    const verity = (id: string, pushToken?: string) => ({
      id,
      kind: 'verity',
      ...(pushToken ? { pushToken } : {}),
    });
    const codeOnly = { id: 'totp', kind: 'totp' };

    it('with a token, registers it for every Verity account that does not have it, and keeps polling often', () => {
      const accounts = [verity('a', 'old-token'), verity('b'), verity('c', 'token'), codeOnly];
      const plan = pushPlan({ state: 'on', token: 'token' }, accounts);
      expect(plan.register.map((a) => a.id)).toEqual(['a', 'b']);
      expect(plan.pollMs).toBe(POLL_MS);
    });

    it('polls slowly only once every Verity account can be woken by a push', () => {
      const plan = pushPlan({ state: 'on', token: 'token' }, [verity('a', 'token'), codeOnly]);
      expect(plan).toEqual({ register: [], pollMs: POLL_WITH_PUSH_MS });
      expect(POLL_WITH_PUSH_MS).toBeGreaterThan(POLL_MS);
    });

    it.each([
      { state: 'unconfigured' },
      { state: 'off', reason: 'not-asked' },
      { state: 'off', reason: 'denied' },
      { state: 'off', reason: 'failed' },
    ] as const)('without a token (%j), registers nothing and polls every 2 seconds as before', (push) => {
      expect(pushPlan(push, [verity('a'), verity('b', 'token')])).toEqual({ register: [], pollMs: 2000 });
    });
  });

  describe(pushStatusText.name, () => {
    it('says nothing when web push is not configured, and why notifications are off otherwise', () => {
      expect(pushStatusText({ state: 'unconfigured' })).toBeNull();
      expect(pushStatusText({ state: 'on', token: 't' })).toMatch(/^Notifications are on/);
      for (const reason of ['not-asked', 'denied', 'unsupported', 'failed'] as const)
        expect(pushStatusText({ state: 'off', reason })).toMatch(
          /checks for sign-in requests while it is open\.$/,
        );
      expect(pushStatusText({ state: 'off', reason: 'denied' })).toMatch(/blocked/);
    });
  });

  describe(workerUrl.name, () => {
    it('registers the plain worker without web push, and gives the worker Firebase’s settings with it', () => {
      expect(workerUrl(null)).toBe('/sw.js');
      const firebase = {
        apiKey: 'AIzaSyA-test-key',
        projectId: 'verity-demo',
        messagingSenderId: '123',
        appId: '1:123:web:abc',
        vapidKey: 'B-not-needed-by-the-worker',
      };
      const url = workerUrl(firebase);
      expect(url).toMatch(/^\/sw\.js\?firebase=/);
      expect(url).not.toContain('vapid');
      expect(firebaseOfWorker(new URL(url, 'https://authenticator.example').href)).toEqual({
        apiKey: 'AIzaSyA-test-key',
        projectId: 'verity-demo',
        messagingSenderId: '123',
        appId: '1:123:web:abc',
      });
      expect(firebaseOfWorker('https://authenticator.example/sw.js')).toBeNull();
    });
  });
});
