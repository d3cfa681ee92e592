// RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s steps), as authenticator apps compute it,
// for tests that turn on two-factor login.

import { createHmac } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** RFC 4648 base32 (no padding needed; spaces and lower case accepted) → Buffer. */
export function base32Decode(text) {
  const clean = String(text).replace(/[\s=]/g, '').toUpperCase()
  let bits = 0
  let value = 0
  const out = []
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch)
    if (i < 0) throw new Error(`not base32: ${ch}`)
    value = (value << 5) | i
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** The 6-digit code for a base32 secret at unix time `seconds` (default now). */
export function totpCode(secretBase32, seconds = Date.now() / 1000) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)))
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest()
  const off = mac[mac.length - 1] & 0x0f
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000
  return String(n).padStart(6, '0')
}
