export {
  KeyRing,
  DecryptionError,
  encryptWithDataKey,
  decryptWithDataKey,
  dataKeyVersionOf,
  deriveKey,
  newDataKey,
  type MasterKey,
  type WrappedDataKey,
} from './envelope.js';
export { TenantCipher, type DataKeyStore } from './tenant-cipher.js';
export { PasswordHasher, OWASP_ARGON2ID, type PasswordHashParams } from './password.js';
export { randomDigits, hashCode, verifyCode, constantTimeEqual } from './codes.js';
