// The VRRP options `havip validate` and `havip cluster create` share (vrrpOptionsOf): read and
// checked with the API's schemas before any node is contacted, each error naming the command
// or option and what is wrong.
import { describe, expect, it } from 'vitest'
import { parseArgs, UsageError } from '../../../electron/cli/args'
import { findCommand } from '../../../electron/cli/commands'
import { vrrpOptionsOf } from '../../../electron/cli/validate-command'

const validate = findCommand(['validate'])!
const create = findCommand(['cluster', 'create'])!
const read = (argv: string[], spec = validate) => vrrpOptionsOf(parseArgs(argv, spec.options, 'c'), 'havip validate', '198.51.100.200/24')

describe('vrrpOptionsOf', () => {
  it('reads --vip, --interface, --vrid and --advert-ms; the optional ones stay undefined when not given', () => {
    expect(read(['--vip', '198.51.100.200/24', '--interface', 'eth1', '--vrid', '42', '--advert-ms', '3000'])).toEqual({
      vip: '198.51.100.200/24',
      iface: 'eth1',
      vrid: 42,
      advertIntervalMs: 3000
    })
    expect(read(['--vip', '198.51.100.200/24'])).toEqual({ vip: '198.51.100.200/24', iface: undefined, vrid: undefined, advertIntervalMs: undefined })
  })

  it('requires --vip, naming the command and giving the example', () => {
    expect(() => read([])).toThrow(UsageError)
    expect(() => read([])).toThrow('havip validate: --vip CIDR is required (e.g. --vip 198.51.100.200/24).')
    const p = parseArgs([], create.options, 'c')
    expect(() => vrrpOptionsOf(p, 'havip cluster create', '198.51.100.210/24')).toThrow(
      'havip cluster create: --vip CIDR is required (e.g. --vip 198.51.100.210/24).'
    )
  })

  it('refuses values the API would refuse, naming the option', () => {
    expect(() => read(['--vip', '198.51.100.300/24'])).toThrow(/^--vip 198\.51\.100\.300\/24: .*not a VIP/)
    // Neither a Linux nor a Windows name ("|"); a Windows name given for a Linux node is refused at the node.
    expect(() => read(['--vip', '198.51.100.200/24', '--interface', 'eth0|reboot'])).toThrow(/^--interface eth0\|reboot: .*not an interface name/)
    expect(() => read(['--vip', '198.51.100.200/24', '--vrid', '0'])).toThrow(/--vrid must be a whole number from 1 to 255/)
    expect(() => read(['--vip', '198.51.100.200/24', '--advert-ms', '5'])).toThrow(/--advert-ms/)
  })
})
