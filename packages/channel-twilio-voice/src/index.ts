export { twilioVoiceChannel, twilioVoiceConfigSchema } from './voice.js';
