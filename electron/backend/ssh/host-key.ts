// Host key identity as OpenSSH shows it.
import { createHash } from 'node:crypto'
import type { HostKeyInfo } from '../../api/model'

/**
 * The key algorithm name is the first string of the public key blob (RFC 4253 §6.6:
 * string "ssh-ed25519" | "ssh-rsa" | "ecdsa-sha2-nistp256" ..., then key data).
 */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown'
  const len = blob.readUInt32BE(0)
  if (len < 1 || len > 64 || 4 + len > blob.length) return 'unknown'
  return blob.subarray(4, 4 + len).toString('latin1')
}

/** 'SHA256:' + base64 of SHA-256 over the raw key blob, without '=' padding — what `ssh-keygen -lf` prints. */
export function fingerprintOfBlob(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}

export function hostKeyInfoOf(host: string, port: number, blob: Buffer): HostKeyInfo {
  return { host, port, keyType: keyTypeOfBlob(blob), fingerprint: fingerprintOfBlob(blob) }
}

/** Fingerprint of an OpenSSH public key line ("ssh-ed25519 AAAA... comment"). */
export function fingerprintOfPublicKeyLine(line: string): string {
  const b64 = line.trim().split(/\s+/)[1]
  if (!b64) throw new Error('not an OpenSSH public key line: expected "TYPE BASE64 [comment]"')
  return fingerprintOfBlob(Buffer.from(b64, 'base64'))
}
