export { fcmChannel, fcmConfigSchema } from './fcm.js';
