export { testRunEnvironment } from './environment.js';
export { dropScratch, scratchEnvironment, serverUrls, type ScratchKind } from './scratch.js';
export { connectAsApp, createTenant, uniqueSlug } from './fixtures.js';
export { signedTwilioCallback, startTwilioFake, twilioSignature } from './fakes/twilio.js';
export type { TwilioAccepted, TwilioFailure, TwilioFake, TwilioRecordedRequest } from './fakes/twilio.js';
export {
  fcmErrorBody,
  startFcmFake,
  type FcmFake,
  type FcmFailure,
  type FcmRecordedRequest,
} from './fakes/fcm.js';
export {
  sendGridErrorBody,
  sendGridWebhookSigner,
  startSendGridFake,
  type SendGridAccepted,
  type SendGridFailure,
  type SendGridFake,
  type SendGridRecordedRequest,
  type SendGridWebhookSigner,
} from './fakes/sendgrid.js';
export {
  createSoftAuthenticator,
  type SoftAuthenticator,
  type SoftAuthenticatorOptions,
  type SoftAuthenticatorOverrides,
} from './webauthn.js';
export { startOpenLdap, type OpenLdap, type OpenLdapOptions, type OpenLdapUser } from './openldap.js';
