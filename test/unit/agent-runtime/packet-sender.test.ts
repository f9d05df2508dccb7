/**
 * The packet-socket helpers (Perl and Python) that put the agent's gratuitous ARP frames on the
 * wire. Each runs in a network namespace of its own (unshare --net, only lo, brought up), so
 * nothing reaches a real network: a frame on lo is accepted, a ping is answered, a missing interface and a
 * malformed frame are refused per request, a killed helper is replaced, close() ends it.
 */
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { garpFrame } from '../../../agent/os/arp-frame'
import { LinuxOs } from '../../../agent/os/linux'
import { defaultHelpers, PacketSender, SendError, type HelperProgram } from '../../../agent/os/packet-sender'
import { waitFor } from '../../support/wait-for'

const UNSHARE = '/usr/bin/unshare'
const IP = ['/usr/sbin/ip', '/sbin/ip', '/bin/ip'].find((p) => existsSync(p))
const canIsolate = process.getuid?.() === 0 && existsSync(UNSHARE) && IP !== undefined

/** The helper as the agent runs it, but inside a fresh network namespace whose lo is up. */
function isolated(h: HelperProgram): HelperProgram {
  return { kind: h.kind, file: UNSHARE, args: ['--net', '--', '/bin/sh', '-c', `${IP} link set lo up && exec "$@"`, 'sh', h.file, ...h.args] }
}

const LO = 1
const frame = garpFrame('02:00:5e:10:20:3a', '192.0.2.7')
const made: PacketSender[] = []
function sender(helpers: HelperProgram[]): PacketSender {
  const s = new PacketSender(helpers)
  made.push(s)
  return s
}
afterEach(async () => {
  await Promise.all(made.splice(0).map((s) => s.close()))
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('defaultHelpers', () => {
  it('tries perl, then python, whichever the host has', () => {
    expect(defaultHelpers(() => false)).toEqual([])
    const both = defaultHelpers((p) => p === '/usr/bin/perl' || p === '/usr/libexec/platform-python')
    expect(both.map((h) => [h.kind, h.file, h.args[0]])).toEqual([['perl', '/usr/bin/perl', '-e'], ['python', '/usr/libexec/platform-python', '-c']])
  })
})

const kinds = defaultHelpers().map((h) => h.kind)
describe.runIf(canIsolate).each(kinds)('%s packet helper (own network namespace)', (kind) => {
  const program = isolated(defaultHelpers().find((h) => h.kind === kind)!)

  it('sends a frame, and refuses a missing interface and a malformed frame, per request', async () => {
    const s = sender([program])
    expect((await s.start()).kind).toBe(kind)
    await s.ping()
    await s.send(LO, frame)
    await expect(s.send(4242, frame)).rejects.toThrow(SendError)
    await expect(s.send(4242, frame)).rejects.toThrow(/No such device/)
    await expect(s.send(LO, Buffer.from('0102', 'hex'))).rejects.toThrow(/malformed request/)
    await s.send(LO, frame)
  })

  it('replaces a helper that was killed, and close() leaves none behind', async () => {
    const s = sender([program])
    await s.send(LO, frame)
    const first = s.pid!
    process.kill(first, 'SIGKILL')
    await waitFor('the killed helper to be gone', () => !alive(first), 5000, 20)
    await s.send(LO, frame)
    const second = s.pid!
    expect(second).not.toBe(first)
    await s.close()
    expect(alive(second)).toBe(false)
  })
})

describe('PacketSender start-up', () => {
  it('goes on to the next helper when one cannot open its socket, and names each failure when none can', async () => {
    const failing: HelperProgram = { kind: 'fake', file: process.execPath, args: ['-e', 'console.log("fail packet socket: Operation not permitted"); process.exit(1)'] }
    const echoing: HelperProgram = { kind: 'fake2', file: process.execPath, args: ['-e', 'console.log("ready"); require("readline").createInterface({ input: process.stdin }).on("line", () => console.log("ok"))'] }
    expect((await sender([failing, echoing]).start()).kind).toBe('fake2')
    await expect(sender([failing]).start()).rejects.toThrow(/exited during start-up \(code 1\): fail packet socket: Operation not permitted/)
    await expect(sender([]).start()).rejects.toThrow(/no perl or python3/)
  })

  it('LinuxOs says which way gratuitous ARP goes', async () => {
    const none = new LinuxOs({ packets: sender([]) })
    const viaArping = await none.garpSupport()
    expect(viaArping.detail).toMatch(/packet-socket helper cannot run \(no perl or python3/)
    if (canIsolate && kinds.length > 0) {
      const os = new LinuxOs({ packets: sender([isolated(defaultHelpers()[0]!)]) })
      const g = await os.garpSupport()
      expect(g.ok).toBe(true)
      expect(g.detail).toMatch(new RegExp(`packet socket held by a ${kinds[0]} helper`))
      expect(g.method).toBe('packet-socket')
      await os.close()
    }
  })
})
