// Host-key fingerprints must match what an admin sees with `ssh-keygen -lf` on the node.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fingerprintOfBlob, fingerprintOfPublicKeyLine, hostKeyInfoOf, keyTypeOfBlob } from '../../../electron/backend/ssh/host-key'

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-fp-'))
})
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('host key fingerprints', () => {
  for (const [type, bits] of [
    ['ed25519', undefined],
    ['ecdsa', '256'],
    ['rsa', '2048']
  ] as const) {
    it(`match ssh-keygen -lf for a fresh ${type} key`, () => {
      const keyPath = path.join(dir, `k_${type}`)
      execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-C', 'test', '-f', keyPath], { timeout: 30_000 })
      const pubLine = fs.readFileSync(`${keyPath}.pub`, 'utf8')
      const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${keyPath}.pub`], { encoding: 'utf8' }).split(/\s+/)[1]
      expect(expected).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
      const blob = Buffer.from(pubLine.split(/\s+/)[1]!, 'base64')
      expect(fingerprintOfBlob(blob)).toBe(expected)
      expect(fingerprintOfPublicKeyLine(pubLine)).toBe(expected)
      expect(keyTypeOfBlob(blob)).toBe(pubLine.split(' ')[0])
      expect(hostKeyInfoOf('198.51.100.11', 22, blob)).toEqual({
        host: '198.51.100.11',
        port: 22,
        keyType: pubLine.split(' ')[0],
        fingerprint: expected
      })
    })
  }

  it('copes with garbage blobs', () => {
    expect(keyTypeOfBlob(Buffer.alloc(0))).toBe('unknown')
    expect(keyTypeOfBlob(Buffer.from([0xff, 0xff, 0xff, 0xff, 1]))).toBe('unknown')
    expect(() => fingerprintOfPublicKeyLine('garbage')).toThrow(/not an OpenSSH public key line/)
  })
})
