// Upload to a Windows node: SFTP writes a temp file beside the destination under its /C:/
// name, the 'place-file' script (replayed) checks the SHA-256 and renames it over the
// destination; a mismatch or a refusal leaves the old file and removes the temp file.
import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import type { SFTPWrapper } from 'ssh2'
import { describe, expect, it } from 'vitest'
import { sftpPathOf, uploadToWindows, windowsPath, type WindowsUploadChannel } from '../../../../electron/backend/platform/windows/windows-upload'
import { SshError } from '../../../../electron/backend/ssh/errors'
import { replayNode } from '../../../support/windows-fixtures'

const DATA = Buffer.from('// agent bundle (test data)\n')
const DEST = 'C:\\Program Files\\HAVIP\\releases\\1.0.0\\agent.cjs'
const TEMP_SFTP = '/C:/Program Files/HAVIP/releases/1.0.0/.agent.cjs.havip-a1b2c3d4e5f6.tmp'

/** An SFTP channel that keeps what was written, by path (what ssh2's write stream would send). */
function fakeSftp(written: Map<string, Buffer>): SFTPWrapper {
  return {
    createWriteStream(path: string, o: { flags: string }) {
      expect(o.flags).toBe('wx')
      const chunks: Buffer[] = []
      return new Writable({
        write(c: Buffer, _e, cb) {
          chunks.push(c)
          cb()
        },
        final(cb) {
          written.set(path, Buffer.concat(chunks))
          cb()
        }
      }).on('finish', function (this: Writable) {
        this.emit('close')
      })
    },
    once: () => undefined,
    removeListener: () => undefined
  } as unknown as SFTPWrapper
}

function channel(placeCase: string, written: Map<string, Buffer>, log: string[] = []): WindowsUploadChannel & { powershell: ReturnType<typeof replayNode> } {
  return {
    target: { host: '198.51.100.21', port: 22 },
    log: (l) => log.push(l),
    withSftp: (fn) => fn(fakeSftp(written)),
    powershell: replayNode('198.51.100.21', { 'place-file': placeCase, 'remove-file': 'removed' }),
    tempSuffix: () => 'a1b2c3d4e5f6'
  }
}

describe('uploadToWindows', () => {
  it('writes the temp file over SFTP under its /C:/ name, then has it checked and placed', async () => {
    const written = new Map<string, Buffer>()
    const ch = channel('placed', written)
    const r = await uploadToWindows(ch, DATA, DEST)
    expect(r).toEqual({ sha256: createHash('sha256').update(DATA).digest('hex'), bytes: DATA.length })
    expect([...written.keys()]).toEqual([TEMP_SFTP])
    expect(written.get(TEMP_SFTP)).toEqual(DATA)
    expect(ch.powershell.calls.map((c) => c.name)).toEqual(['place-file'])
    expect(ch.powershell.calls[0]!.params).toMatchObject({ dest: DEST, sha256: r.sha256 })
  })

  it('leaves the old file and removes the temp file when the checksum on the node differs', async () => {
    const ch = channel('checksum-mismatch', new Map())
    const err = await uploadToWindows(ch, DATA, DEST).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SshError)
    expect((err as SshError).message).toMatch(/is corrupt: checksum 0{64} on the node/)
    expect((err as SshError).message).toMatch(/The old file, if any, is unchanged/)
    expect(ch.powershell.calls.map((c) => c.name)).toEqual(['place-file', 'remove-file'])
  })

  it('says access is denied when the login may not write the destination', async () => {
    const ch = channel('access-denied', new Map())
    const err = await uploadToWindows(ch, DATA, DEST).catch((e: unknown) => e)
    expect((err as SshError).message).toMatch(/"place-file" on 198\.51\.100\.21 was refused: Access to the path .* is denied/)
    expect((err as SshError).hint).toMatch(/Administrators group/)
    expect(ch.powershell.calls.map((c) => c.name)).toEqual(['place-file', 'remove-file'])
  })

  it('accepts only full Windows file paths', async () => {
    expect(windowsPath('C:\\Program Files\\HAVIP\\x.cjs')).toBe('C:\\Program Files\\HAVIP\\x.cjs')
    expect(windowsPath('/C:/Program Files/HAVIP/x.cjs')).toBe('C:\\Program Files\\HAVIP\\x.cjs')
    expect(sftpPathOf('C:\\Program Files\\HAVIP\\x.cjs')).toBe('/C:/Program Files/HAVIP/x.cjs')
    for (const bad of ['x.cjs', '\\\\server\\share\\x', 'C:\\dir\\', 'C:\\a\\..\\b', 'C:\\a:b', 'C:\\a\\b|c', '/opt/havip/x']) expect(windowsPath(bad), bad).toBeUndefined()
    await expect(uploadToWindows(channel('placed', new Map()), DATA, '/opt/havip/agent.cjs')).rejects.toMatchObject({ kind: 'invalid-input' })
  })
})
