// Typing gaps between workerd's generated runtime types and TypeScript's own lib, for the Worker
// type-check only (tsconfig.worker.json). Runtime behaviour is unchanged.

/**
 * `TextEncoder#encode` always returns a fresh ArrayBuffer-backed array (as TypeScript's DOM lib
 * says since 5.7); workerd's types still say `Uint8Array<ArrayBufferLike>`, which Web Crypto's
 * `BufferSource` refuses. src/adapters/crypto/refresh-tokens.ts relies on the precise type.
 */
interface TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>
}
