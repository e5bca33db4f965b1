import { Injectable } from '@nestjs/common';
import { type TenantScope, directorySettings } from '@verity/db';
import {
  type DirectoryConnector,
  DirectoryError,
  type LdapDirectorySettingsInput,
  createLdapConnector,
} from '@verity/directory';
import { TenantCipher } from '@verity/secrets';
import { DomainError } from '../problem/problem.js';

export const DIRECTORY_CONTEXT = 'directory:settings';

/**
 * Password writeback: a reset password goes to the organisation's own directory before Verity saves it, so the
 * two never disagree. Without a directory configured, Verity's password is the only one.
 */
@Injectable()
export class Writeback {
  constructor(private readonly cipher: TenantCipher) {}

  /** The connector for this organisation's directory, or null when it has none. */
  async connector(scope: TenantScope): Promise<DirectoryConnector | null> {
    const saved = await directorySettings.find(scope);
    if (!saved) return null;
    const settings = JSON.parse(
      await this.cipher.decryptText(scope.tenantId, DIRECTORY_CONTEXT, saved.settingsEnc),
    ) as LdapDirectorySettingsInput;
    return createLdapConnector(settings);
  }

  /** Sets the password in the directory; a refusal or an outage becomes a problem that changes nothing here. */
  async push(scope: TenantScope, request: { username: string; newPassword: string; correlationId: string }) {
    const connector = await this.connector(scope);
    if (!connector) return;
    try {
      await connector.setPassword(request);
    } catch (error) {
      throw directoryProblem(error);
    } finally {
      await connector.close();
    }
  }
}

/** How a directory's answer reaches the person (or the administrator testing settings), never with a password. */
export function directoryProblem(error: unknown): DomainError {
  if (!(error instanceof DirectoryError)) throw error;
  switch (error.code) {
    case 'refused':
      return new DomainError(
        422,
        'directory-refused',
        'Choose another password',
        'Your organisation’s directory did not accept this password (it may be too like an old one, or too short for its rules). Choose another.',
      ).with(error.detail ? { directory: error.detail } : {});
    case 'not_found':
      return new DomainError(
        409,
        'directory-account-missing',
        'Contact your local helpdesk',
        'Your account could not be found in your organisation’s directory, so the password was not changed. Contact your local helpdesk.',
      );
    case 'unavailable':
      return new DomainError(
        503,
        'directory-unavailable',
        'Try again shortly',
        'Your organisation’s directory cannot be reached, so the password was not changed. Try again in a few minutes.',
      ).retryAfter(60);
    default:
      return new DomainError(
        503,
        'directory-misconfigured',
        'Contact your local helpdesk',
        'Your organisation’s directory settings are not working, so the password was not changed. Contact your local helpdesk.',
      );
  }
}
