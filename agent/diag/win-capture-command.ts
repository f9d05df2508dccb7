/**
 * `havip-agent win-capture --out DIR --interface ALIAS [--vip A.B.C.D/P]`: on a Windows node,
 * runs the Windows adapter's scripts for real and writes every run as a replay fixture
 * (os/windows/capture.ts). Read-only unless --vip is given: then it also adds that address,
 * reads its detection state, and removes it again (use a free address, e.g. from 192.0.2.0/24
 * on a lab segment). Compare the files with test/fixtures/windows-agent/ and replace the ones
 * written from documentation (keeping their names), updating INDEX.md.
 */
import { parseArgs } from 'node:util'
import { WindowsOs } from '../os/windows'
import { CapturingPsRunner } from '../os/windows/capture'
import { LocalPsRunner, runScript, type PsRunner } from '../os/windows/ps-runner'
import { DIR_ACL } from '../os/windows/scripts'

type Out = { out: (s: string) => void; err: (s: string) => void }

export const WIN_CAPTURE_USAGE = 'usage: havip-agent win-capture --out DIR --interface ALIAS [--vip A.B.C.D/P]'

export async function cmdWinCapture(args: string[], io: Out, inner?: PsRunner): Promise<number> {
  let values: { out?: string; interface?: string; vip?: string }
  try {
    values = parseArgs({ args, strict: true, allowPositionals: false, options: { out: { type: 'string' }, interface: { type: 'string' }, vip: { type: 'string' } } }).values
  } catch (err) {
    io.err(`havip-agent: ${(err as Error).message}\n${WIN_CAPTURE_USAGE}`)
    return 2
  }
  const vip = values.vip ? /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(values.vip) : undefined
  if (!values.out || !values.interface || (values.vip && !vip)) {
    io.err(`havip-agent: win-capture needs --out and --interface${values.vip && !vip ? ', and --vip as A.B.C.D/P' : ''}\n${WIN_CAPTURE_USAGE}`)
    return 2
  }
  if (!inner && process.platform !== 'win32') {
    io.err(`havip-agent: win-capture runs on Windows (this is ${process.platform})`)
    return 1
  }
  const runner = new CapturingPsRunner(inner ?? new LocalPsRunner(), values.out)
  const os = new WindowsOs({ runner, vipInterfaces: [values.interface] })
  const dev = values.interface
  const steps: [string, () => Promise<unknown>][] = [
    ['list addresses', () => os.listAddresses()],
    [`list addresses on ${dev}`, () => os.listAddresses(dev)],
    [`state of ${dev}`, () => os.interfaceState(dev)],
    ['neighbour update facts', () => os.garpSupport()],
    ['ACL of C:\\ProgramData\\HAVIP', () => runScript(runner, DIR_ACL, { path: 'C:\\ProgramData\\HAVIP' }, 'reading the ACL of C:\\ProgramData\\HAVIP')]
  ]
  if (vip) {
    const v = { address: vip[1]!, prefix: Number(vip[2]) }
    steps.push(
      [`add ${values.vip} on ${dev}`, () => os.addVip(v, dev)],
      [`detection state of ${v.address}`, () => os.sendGarp(v.address, dev)],
      [`remove ${values.vip}`, () => os.removeVip(v, dev)]
    )
  }
  let failed = 0
  for (const [what, step] of steps) {
    try {
      await step()
      io.out(`ok      ${what}`)
    } catch (err) {
      failed++
      io.out(`failed  ${what}: ${(err as Error).message}`) // captured too: failures are fixtures as well
    }
  }
  io.out(`${runner.written.length} fixture(s) written to ${values.out}${failed ? ` (${failed} step(s) failed; their output is captured as well)` : ''}`)
  return 0
}
