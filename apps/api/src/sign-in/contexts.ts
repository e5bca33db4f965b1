/** What a challenge's number (push or keyed call) is hashed with, so a hash is bound to its challenge. */
export const numberContext = (challengeId: string) => `challenge:${challengeId}`;

/** The encryption context of a device's push token. */
export const pushTokenContext = (deviceId: string) => `device:${deviceId}:push-token`;
