import { createSoftAuthenticator, type SoftAuthenticator } from '@verity/testing';
import {
  CEREMONY_TIMEOUT_MS,
  SecurityKeyError,
  authenticationOptions,
  registrationOptions,
  verifyAssertion,
  verifyRegistration,
  type SecurityKeyDetails,
  type SecurityKeyErrorCode,
} from './security-key.js';

const RP_ID = 'verity.example';
const ORIGIN = 'https://verity.example';
const ACCOUNT_ID = '5b0b7f3e-2f4c-4d9a-9a53-0d1c8f6a7e21';

function optionsFor(excludeCredentialIds: string[] = []) {
  return registrationOptions({
    rpId: RP_ID,
    rpName: 'Verity',
    userId: ACCOUNT_ID,
    userName: 'jane.doe@trust.nhs.uk',
    userDisplayName: 'Jane Doe',
    excludeCredentialIds,
    attestation: 'none',
  });
}

async function registeredKey(authenticator: SoftAuthenticator = createSoftAuthenticator({ origin: ORIGIN })) {
  const options = await optionsFor();
  const key = await verifyRegistration({
    response: authenticator.register(options),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    rpId: RP_ID,
  });
  return { authenticator, key };
}

function challengeFor(key: SecurityKeyDetails) {
  return authenticationOptions({ rpId: RP_ID, credentials: [key] });
}

async function expectRefusal(attempt: Promise<unknown>, code: SecurityKeyErrorCode) {
  const outcome = await attempt.then(
    () => 'accepted',
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(SecurityKeyError);
  expect((outcome as SecurityKeyError).code).toBe(code);
}

function flipLastByte(base64url: string): string {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[bytes.length - 1]! ^= 0x01;
  return bytes.toString('base64url');
}

describe('registrationOptions', () => {
  it('names the account by its uuid, prefers user verification and a resident key, and lasts two minutes', async () => {
    const options = await optionsFor(['c29tZS1rZXk']);

    expect(options).toMatchObject({
      rp: { id: RP_ID, name: 'Verity' },
      user: {
        id: Buffer.from(ACCOUNT_ID).toString('base64url'),
        name: 'jane.doe@trust.nhs.uk',
        displayName: 'Jane Doe',
      },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      excludeCredentials: [{ id: 'c29tZS1rZXk', type: 'public-key' }],
      timeout: CEREMONY_TIMEOUT_MS,
    });
    expect(CEREMONY_TIMEOUT_MS).toBe(120_000);
    expect(options.pubKeyCredParams.map(({ alg }) => alg)).toEqual([-8, -7, -257]);
  });

  it('asks for direct attestation when told to', async () => {
    const options = await registrationOptions({
      rpId: RP_ID,
      rpName: 'Verity',
      userId: ACCOUNT_ID,
      userName: 'jane.doe@trust.nhs.uk',
      userDisplayName: 'Jane Doe',
      excludeCredentialIds: [],
      attestation: 'direct',
    });

    expect(options.attestation).toBe('direct');
  });

  it('gives a fresh challenge each time', async () => {
    const [first, second] = await Promise.all([optionsFor(), optionsFor()]);

    expect(first.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.challenge).not.toBe(second.challenge);
  });

  it('keeps an already registered key from registering again', async () => {
    const { authenticator, key } = await registeredKey();

    await expect(
      optionsFor([key.credentialId]).then((options) => authenticator.register(options)),
    ).rejects.toThrow(/already holds/);
  });
});

describe('verifyRegistration', () => {
  it('returns the details to store for the new key', async () => {
    const authenticator = createSoftAuthenticator({ origin: ORIGIN });
    const options = await optionsFor();
    const response = authenticator.register(options);

    const key = await verifyRegistration({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      rpId: RP_ID,
    });

    expect(key).toEqual({
      type: 'security_key',
      credentialId: response.id,
      publicKey: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
      counter: 0,
      transports: ['usb'],
      aaguid: '00000000-0000-0000-0000-000000000000',
    });
  });

  it('accepts a key without user verification unless it is required', async () => {
    const authenticator = createSoftAuthenticator({ origin: ORIGIN });
    const options = await optionsFor();
    const response = authenticator.register(options, { userVerified: false });
    const expected = { response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, rpId: RP_ID };

    await expect(verifyRegistration(expected)).resolves.toMatchObject({ credentialId: response.id });
    await expectRefusal(verifyRegistration({ ...expected, requireUserVerification: true }), 'not_verified');
  });

  it('refuses a response to another challenge', async () => {
    const authenticator = createSoftAuthenticator({ origin: ORIGIN });
    const [options, other] = await Promise.all([optionsFor(), optionsFor()]);

    await expectRefusal(
      verifyRegistration({
        response: authenticator.register(options),
        expectedChallenge: other.challenge,
        expectedOrigin: ORIGIN,
        rpId: RP_ID,
      }),
      'not_verified',
    );
  });

  it('refuses a response made on another origin', async () => {
    const authenticator = createSoftAuthenticator({ origin: ORIGIN });
    const options = await optionsFor();

    await expectRefusal(
      verifyRegistration({
        response: authenticator.register(options, { origin: 'https://evil.example' }),
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        rpId: RP_ID,
      }),
      'not_verified',
    );
  });

  it('refuses a credential scoped to another RP ID', async () => {
    const authenticator = createSoftAuthenticator({ origin: ORIGIN });
    const options = await optionsFor();

    await expectRefusal(
      verifyRegistration({
        response: authenticator.register(options, { rpId: 'evil.example' }),
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        rpId: RP_ID,
      }),
      'not_verified',
    );
  });

  it('refuses an assertion offered as a registration', async () => {
    const { authenticator, key } = await registeredKey();
    const options = await optionsFor();
    const assertion = authenticator.authenticate({
      ...(await challengeFor(key)),
      challenge: options.challenge,
    });

    await expectRefusal(
      verifyRegistration({
        response: assertion,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        rpId: RP_ID,
      }),
      'bad_response',
    );
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'not a credential'],
    [
      'no attestation object',
      { id: 'abc', rawId: 'abc', type: 'public-key', response: { clientDataJSON: 'e30' } },
    ],
    [
      'a padded id',
      {
        id: 'abc=',
        rawId: 'abc=',
        type: 'public-key',
        response: { clientDataJSON: 'e30', attestationObject: 'oA' },
      },
    ],
  ])('refuses %s as malformed', async (_name, response) => {
    await expectRefusal(
      verifyRegistration({ response, expectedChallenge: 'x', expectedOrigin: ORIGIN, rpId: RP_ID }),
      'bad_response',
    );
  });
});

describe('authenticationOptions', () => {
  it('allows only the given keys, prefers user verification and lasts two minutes', async () => {
    const options = await authenticationOptions({
      rpId: RP_ID,
      credentials: [
        { credentialId: 'a2V5LW9uZQ', transports: ['usb', 'nfc'] },
        { credentialId: 'a2V5LXR3bw' },
      ],
    });

    expect(options).toMatchObject({
      rpId: RP_ID,
      allowCredentials: [
        { id: 'a2V5LW9uZQ', type: 'public-key', transports: ['usb', 'nfc'] },
        { id: 'a2V5LXR3bw', type: 'public-key' },
      ],
      userVerification: 'preferred',
      timeout: 120_000,
    });
    expect(options.allowCredentials?.[1]).not.toHaveProperty('transports');
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('verifyAssertion', () => {
  async function signIn(
    authenticator: SoftAuthenticator,
    key: SecurityKeyDetails,
    overrides?: Parameters<SoftAuthenticator['authenticate']>[1],
  ) {
    const options = await challengeFor(key);
    const response = authenticator.authenticate(options, overrides);
    return {
      response,
      expected: {
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        rpId: RP_ID,
        credential: key,
      },
    };
  }

  it('accepts each use of a registered key, with the counter rising', async () => {
    const { authenticator, key } = await registeredKey();

    const first = await signIn(authenticator, key);
    await expect(verifyAssertion(first.expected)).resolves.toEqual({ verified: true, newCounter: 1 });

    const second = await signIn(authenticator, { ...key, counter: 1 });
    await expect(verifyAssertion(second.expected)).resolves.toEqual({ verified: true, newCounter: 2 });
  });

  it('accepts a key that never counts its signatures', async () => {
    const { authenticator, key } = await registeredKey();
    const { expected } = await signIn(authenticator, key, { signCount: 0 });

    await expect(verifyAssertion(expected)).resolves.toEqual({ verified: true, newCounter: 0 });
  });

  it('accepts a use without user verification unless it is required', async () => {
    const { authenticator, key } = await registeredKey();
    const { expected } = await signIn(authenticator, key, { userVerified: false });

    await expect(verifyAssertion(expected)).resolves.toEqual({ verified: true, newCounter: 1 });
    await expectRefusal(verifyAssertion({ ...expected, requireUserVerification: true }), 'not_verified');
  });

  it('refuses a response to another challenge', async () => {
    const { authenticator, key } = await registeredKey();
    const { expected } = await signIn(authenticator, key);
    const other = await challengeFor(key);

    await expectRefusal(verifyAssertion({ ...expected, expectedChallenge: other.challenge }), 'not_verified');
  });

  it('refuses a response made on another origin', async () => {
    const { authenticator, key } = await registeredKey();
    const { expected } = await signIn(authenticator, key, { origin: 'https://evil.example' });

    await expectRefusal(verifyAssertion(expected), 'not_verified');
  });

  it('refuses a signature for another RP ID', async () => {
    const { authenticator, key } = await registeredKey();
    const { expected } = await signIn(authenticator, key, { rpId: 'evil.example' });

    await expectRefusal(verifyAssertion(expected), 'not_verified');
  });

  it('refuses a response from another key', async () => {
    const { key } = await registeredKey();
    const other = await registeredKey();
    const { expected } = await signIn(other.authenticator, other.key);

    await expectRefusal(verifyAssertion({ ...expected, credential: key }), 'credential_mismatch');
  });

  it("refuses another key's response relabelled with this key's id", async () => {
    const { key } = await registeredKey();
    const other = await registeredKey();
    const { response, expected } = await signIn(other.authenticator, other.key);
    const relabelled = { ...response, id: key.credentialId, rawId: key.credentialId };

    await expectRefusal(
      verifyAssertion({ ...expected, response: relabelled, credential: key }),
      'not_verified',
    );
  });

  it.each([
    ['the same', 5, 5],
    ['a lower', 4, 5],
    ['a zero', 0, 5],
  ])('refuses %s counter as a possible clone', async (_name, reported, stored) => {
    const { authenticator, key } = await registeredKey();
    const { expected } = await signIn(authenticator, key, { signCount: reported });

    await expectRefusal(
      verifyAssertion({ ...expected, credential: { ...key, counter: stored } }),
      'counter_not_increased',
    );
  });

  it('refuses a replayed response once its counter is stored', async () => {
    const { authenticator, key } = await registeredKey();
    const { expected } = await signIn(authenticator, key);
    const { newCounter } = await verifyAssertion(expected);

    await expectRefusal(
      verifyAssertion({ ...expected, credential: { ...key, counter: newCounter } }),
      'counter_not_increased',
    );
  });

  it('refuses a tampered signature', async () => {
    const { authenticator, key } = await registeredKey();
    const { response, expected } = await signIn(authenticator, key);
    const tampered = {
      ...response,
      response: { ...response.response, signature: flipLastByte(response.response.signature) },
    };

    await expectRefusal(verifyAssertion({ ...expected, response: tampered }), 'not_verified');
  });

  it('refuses a counter raised after signing', async () => {
    const { authenticator, key } = await registeredKey();
    const { response, expected } = await signIn(authenticator, key, { signCount: 2 });
    const countOfThree = flipLastByte(response.response.authenticatorData);
    const raised = { ...response, response: { ...response.response, authenticatorData: countOfThree } };

    await expectRefusal(
      verifyAssertion({ ...expected, response: raised, credential: { ...key, counter: 2 } }),
      'not_verified',
    );
  });

  it('refuses a malformed response', async () => {
    const { authenticator, key } = await registeredKey();
    const { response, expected } = await signIn(authenticator, key);
    const unsigned = { ...response, response: { ...response.response, signature: undefined } };

    await expectRefusal(verifyAssertion({ ...expected, response: unsigned }), 'bad_response');
  });
});
