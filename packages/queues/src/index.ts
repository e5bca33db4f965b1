export {
  HOUSEKEEPING,
  type QueueName,
  queueConfig,
  allQueues,
  parseQueueList,
  type QueueConfig,
} from './names.js';
export {
  ENVELOPE_VERSION,
  envelope,
  envelopeSchema,
  purgeExpiredJob,
  deliveryJob,
  type DeliveryJob,
  scheduleJob,
  type Envelope,
  type PurgeExpiredJob,
} from './envelope.js';
