const encoder = new TextEncoder()

/**
 * Whether `key` is at most `maxBytes` long in UTF-8, without encoding it when its length settles
 * it: a UTF-16 unit takes 1 to 3 bytes. Stores use it to answer "not found" for a lookup by a key
 * their backend would refuse (nothing was ever stored under one), instead of calling the backend
 * and turning its refusal into a 503.
 */
export const fitsInBytes = (key: string, maxBytes: number): boolean =>
  key.length * 3 <= maxBytes || (key.length <= maxBytes && encoder.encode(key).byteLength <= maxBytes)
