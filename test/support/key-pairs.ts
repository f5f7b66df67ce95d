import type { AsymmetricAlg } from '../../src/adapters/crypto/signing-keys.js'

/** A fresh key pair as an operator would configure it: PKCS#8 and SPKI PEM text. */
export interface PemKeyPair {
  readonly alg: AsymmetricAlg
  readonly privatePem: string
  readonly publicPem: string
}

const pem = (label: string, der: ArrayBuffer): string => {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)))
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

const PARAMS = {
  EdDSA: { name: 'Ed25519' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
} as const

/** Makes an Ed25519 (EdDSA) or P-256 (ES256) key pair with Web Crypto. */
export async function makeKeyPair(alg: AsymmetricAlg): Promise<PemKeyPair> {
  const pair = (await crypto.subtle.generateKey(PARAMS[alg], true, ['sign', 'verify'])) as CryptoKeyPair
  return {
    alg,
    privatePem: pem('PRIVATE KEY', (await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer),
    publicPem: pem('PUBLIC KEY', (await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer),
  }
}
