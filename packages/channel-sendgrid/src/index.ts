export { sendGridChannel, sendGridConfigSchema } from './sendgrid.js';
