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
  'problem.code-already-used':
    'Mae’r cod hwnnw wedi cael ei ddefnyddio’n barod. Arhoswch am y cod nesaf yn eich ap dilysu a’i roi i mewn.',
};
