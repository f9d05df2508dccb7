/**
 * The long-lived `ip -batch` against the real iproute2, with commands that change nothing:
 * a command's own result (success or ip's message) comes back per command, a malformed command
 * that makes ip exit is reported and the next one runs on a fresh ip, a command that never ends
 * is killed, and an interface that was made again under the same name gets a fresh ip (which
 * otherwise keeps using the old interface index).
 */
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { batchSafe, CoprocessError, IpBatch } from '../../../agent/os/ip-batch'

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p))
const made: IpBatch[] = []
function batch(readIfindex?: (dev: string) => string | undefined): IpBatch {
  const b = new IpBatch(IP!, ['-4'], readIfindex)
  made.push(b)
  return b
}
afterEach(async () => {
  await Promise.all(made.splice(0).map((b) => b.close()))
})

describe('batchSafe', () => {
  it('accepts plain arguments and refuses what a batch line would split, quote or comment', () => {
    expect(batchSafe(['addr', 'add', '192.0.2.7/24', 'dev', 'eth0', 'label', 'eth0:vip'])).toBe(true)
    for (const bad of ['eth 0', 'a"b', "a'b", 'a\\b', 'a#b', 'a\nb', 'a\tb', '']) expect(batchSafe(['addr', 'del', bad])).toBe(false)
    expect(batchSafe([])).toBe(false)
  })
})

describe.runIf(IP)('IpBatch (real iproute2)', () => {
  it('reports success and each failure for its own command, from one ip', async () => {
    const b = batch()
    expect(await b.run(['link', 'show', 'dev', 'lo'], 5000)).toEqual({ ok: true, stderr: '' })
    const missing = await b.run(['addr', 'add', '192.0.2.7/24', 'dev', 'havip-nodev0'], 5000)
    expect(missing.ok).toBe(false)
    expect(missing.stderr).toMatch(/Cannot find device "havip-nodev0"/)
    expect(missing.stderr).not.toMatch(/Command failed|hvsync/)
    const absent = await b.run(['addr', 'show', 'dev', 'havip-nodev1'], 5000)
    expect(absent).toEqual({ ok: false, stderr: 'Device "havip-nodev1" does not exist.' })
    expect(await b.run(['link', 'show', 'dev', 'lo'], 5000)).toEqual({ ok: true, stderr: '' })
    // "no such device" restarts ip (it may hold a stale index); the rest ran on the first one.
    expect(b.starts).toBe(2)
  })

  it('reports a command that makes ip exit, and runs the next one on a fresh ip', async () => {
    const b = batch()
    await b.start()
    const err = await b.run(['addr', 'add', '192.0.2.7/99', 'dev', 'lo'], 5000).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CoprocessError)
    expect((err as CoprocessError).reason).toBe('died')
    expect((err as CoprocessError).stderr).toMatch(/192\.0\.2\.7\/99/)
    expect(await b.run(['link', 'show', 'dev', 'lo'], 5000)).toEqual({ ok: true, stderr: '' })
    expect(b.starts).toBe(2)
  })

  it('kills an ip that does not finish in time and runs the next command on a fresh one', async () => {
    const b = batch()
    await b.start()
    const err = await b.run(['monitor', 'address'], 300).catch((e: unknown) => e)
    expect((err as CoprocessError).reason).toBe('timeout')
    expect(await b.run(['link', 'show', 'dev', 'lo'], 5000)).toEqual({ ok: true, stderr: '' })
    expect(b.starts).toBe(2)
  })

  it('starts a fresh ip when an interface name now has another index', async () => {
    let index = '7'
    const b = batch(() => index)
    await b.run(['link', 'show', 'dev', 'lo'], 5000)
    await b.run(['link', 'show', 'dev', 'lo'], 5000)
    expect(b.starts).toBe(1)
    index = '8'
    await b.run(['link', 'show', 'dev', 'lo'], 5000)
    expect(b.starts).toBe(2)
  })

  it('refuses an argument list a batch line cannot carry, before writing anything', async () => {
    const b = batch()
    await expect(b.run(['addr', 'add', '192.0.2.7/24', 'dev', 'lo', 'label', 'lo #x'], 5000)).rejects.toThrow(/cannot carry/)
    expect(b.starts).toBe(0)
  })

  it('ends its ip on close()', async () => {
    const b = batch()
    await b.start()
    const pid = b.pid!
    await b.close()
    expect(() => process.kill(pid, 0)).toThrow()
  })
})
