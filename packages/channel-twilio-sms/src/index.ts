export { twilioSmsChannel, twilioSmsConfigSchema } from './sms.js';
