import type { MessageKey } from './en.js';

/**
 * Cymraeg. The translation layer is ready; translators fill these in (a key left out is shown in English).
 */
export const cy: Partial<Record<MessageKey, string>> = {
  'signIn.title': 'Mewngofnodi',
  'signIn.submit': 'Mewngofnodi',
  'signIn.password': 'Cyfrinair',
  'common.continue': 'Parhau',
  'nav.signOut': 'Allgofnodi',
};
