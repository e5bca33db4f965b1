export {
  DirectoryError,
  type DirectoryConnector,
  type DirectoryErrorCode,
  type SetPasswordRequest,
} from './connector.js';
export {
  AD_POLICY_HINTS_OID,
  DEFAULT_USER_FILTER,
  PASSWORD_MODIFY_OID,
  activeDirectoryPassword,
  createLdapConnector,
  directoryErrorFrom,
  escapeFilterValue,
  ldapDirectorySettings,
  passwordModifyRequestValue,
  PolicyHintsControl,
  userSearchFilter,
  type LdapDirectorySettings,
  type LdapDirectorySettingsInput,
  type LdapErrorContext,
  type LdapStage,
} from './ldap.js';
