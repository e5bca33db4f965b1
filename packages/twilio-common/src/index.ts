export * from './twilio.js';
