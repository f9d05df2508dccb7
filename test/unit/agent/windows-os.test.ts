/**
 * The Windows OS adapter against recorded PowerShell output (test/fixtures/windows-agent/,
 * provenance in its INDEX.md): what it asks PowerShell for, what it makes of the answers, and
 * the errors an admin gets when Windows refuses.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FIREWALL_RULE_NAME, WindowsOs } from '../../../agent/os/windows'
import { WindowsOsError } from '../../../agent/os/windows/ps-errors'
import { FIXTURE_DIR, loadFixture, ReplayPsRunner } from './windows-replay'

const VIP = { address: '192.0.2.10', prefix: 24 }

function os(...fixtures: string[]): { os: WindowsOs; runner: ReplayPsRunner } {
  const runner = new ReplayPsRunner(...fixtures)
  return { os: new WindowsOs({ runner }), runner }
}

async function failure(p: Promise<unknown>): Promise<WindowsOsError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(WindowsOsError)
    return err as WindowsOsError
  }
  throw new Error('expected a failure')
}

describe('fixtures', () => {
  it('every fixture says where it came from, and the index lists every fixture', () => {
    const index = readFileSync(join(FIXTURE_DIR, 'INDEX.md'), 'utf8')
    const files = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json'))
    expect(files.length).toBeGreaterThan(20)
    for (const f of files) {
      const fx = loadFixture(f.replace(/\.json$/, ''))
      expect(fx.source, f).toMatch(/^(public sample: https?:\/\/|written from the documented format: |no output: )/)
      expect(fx.source, f).not.toMatch(/captured/i)
      expect(index, f).toContain(`| ${f} |`)
    }
  })
})

describe('WindowsOs: VIPs', () => {
  it('adds a VIP with the address, prefix and interface as data', async () => {
    const { os: w, runner } = os('add-vip-created')
    await w.addVip(VIP, 'Ethernet')
    expect(runner.calls).toEqual([{ script: 'add-vip', params: { address: '192.0.2.10', prefix: 24, dev: 'Ethernet' } }])
  })

  it('succeeds when the VIP is already on the interface', async () => {
    const { os: w } = os('add-vip-present')
    await expect(w.addVip(VIP, 'Ethernet')).resolves.toBeUndefined()
  })

  it('says to run elevated when Windows denies access', async () => {
    const err = await failure(os('add-vip-access-denied').os.addVip(VIP, 'Ethernet'))
    expect(err.code).toBe('access-denied')
    expect(err.message).toMatch(/^adding VIP 192\.0\.2\.10\/24 on Ethernet failed: Access denied .*must run elevated/)
  })

  it('names the interface that is gone', async () => {
    const err = await failure(os('add-vip-interface-missing').os.addVip(VIP, 'Ethernet 9'))
    expect(err.code).toBe('interface-missing')
    expect(err.message).toContain('no IPv4 interface is named Ethernet 9')
    expect(err.message).toContain('Get-NetIPInterface')
  })

  it('refuses an address that another interface holds, and a DHCP interface', async () => {
    expect((await failure(os('add-vip-address-elsewhere').os.addVip(VIP, 'Ethernet'))).code).toBe('address-elsewhere')
    const dhcp = await failure(os('add-vip-dhcp').os.addVip(VIP, 'Ethernet'))
    expect(dhcp.code).toBe('dhcp-interface')
    expect(dhcp.message).toMatch(/turns DHCP off/)
  })

  it('reports Constrained Language Mode, from the prelude and from PowerShell\'s own error', async () => {
    for (const fx of ['constrained-language', 'constrained-language-stderr']) {
      const err = await failure(os(fx).os.addVip(VIP, 'Ethernet'))
      expect(err.code, fx).toBe('constrained-language')
      expect(err.message, fx).toMatch(/Constrained Language Mode.*WDAC/)
    }
  })

  it('removes a VIP, and treats a vanished interface as nothing left to remove', async () => {
    const { os: w, runner } = os('remove-vip-removed', 'remove-vip-interface-gone')
    await w.removeVip(VIP, 'Ethernet')
    await w.removeVip(VIP, 'Ethernet')
    expect(runner.calls.map((c) => c.params)).toEqual([{ address: '192.0.2.10', dev: 'Ethernet' }, { address: '192.0.2.10', dev: 'Ethernet' }])
  })

  it('lists addresses with the node\'s own before SkipAsSource VIPs, also when PowerShell unwrapped a one-element array', async () => {
    const { os: w, runner } = os('list-addresses', 'list-addresses-single')
    expect(await w.listAddresses('Ethernet')).toEqual([
      { address: '198.51.100.21', prefix: 24, dev: 'Ethernet' },
      { address: '127.0.0.1', prefix: 8, dev: 'Loopback Pseudo-Interface 1' },
      { address: '192.0.2.10', prefix: 24, dev: 'Ethernet' }
    ])
    expect(await w.listAddresses()).toEqual([{ address: '198.51.100.21', prefix: 24, dev: 'Ethernet' }])
    expect(runner.calls.map((c) => c.params)).toEqual([{ dev: 'Ethernet' }, { dev: null }])
  })

  it('takes the last JSON line when something printed before it', async () => {
    expect(await os('noise-before-result').os.listAddresses()).toEqual([])
  })

  it('checks values before any PowerShell runs', async () => {
    const { os: w, runner } = os()
    expect((await failure(w.addVip({ address: '192.0.2.300', prefix: 24 }, 'Ethernet'))).message).toContain('not an IPv4 address')
    expect((await failure(w.addVip({ address: '192.0.2.1', prefix: 33 }, 'Ethernet'))).message).toContain('not 0..32')
    expect((await failure(w.addVip(VIP, ''))).message).toContain('not an interface alias')
    expect(runner.calls).toEqual([])
  })
})

describe('WindowsOs: interface state', () => {
  it('reads an up interface with its addresses, own first', async () => {
    expect(await os('interface-state-up').os.interfaceState('Ethernet')).toEqual({ exists: true, up: true, index: 6, addresses: ['198.51.100.21', '192.0.2.10'] })
  })

  it('reads a pulled cable as down', async () => {
    expect(await os('interface-state-cable-out').os.interfaceState('Ethernet')).toEqual({ exists: true, up: false, index: 6, addresses: ['198.51.100.21'] })
  })

  it('reads a missing interface as not existing', async () => {
    expect(await os('interface-state-missing').os.interfaceState('Ethernet 9')).toEqual({ exists: false, up: false, addresses: [] })
  })

  it('answers interfaceUpSync from Node\'s list of up adapters, with no PowerShell', () => {
    const runner = new ReplayPsRunner()
    const w = new WindowsOs({ runner, networkInterfaces: () => ({ Ethernet: [{ address: '198.51.100.21', netmask: '255.255.255.0', family: 'IPv4', mac: '00:15:5d:00:00:01', internal: false, cidr: '198.51.100.21/24' }] }) })
    expect(w.interfaceUpSync('Ethernet')).toBe(true)
    expect(w.interfaceUpSync('Ethernet 2')).toBe(false)
    expect(runner.calls).toEqual([])
  })
})

describe('WindowsOs: process failures', () => {
  it('says when PowerShell timed out, could not start, or printed no result', async () => {
    const t = await failure(os('timeout').os.listAddresses())
    expect(t.code).toBe('timeout')
    expect(t.message).toMatch(/did not finish within 20 s/)
    const s = await failure(os('spawn-failed').os.listAddresses())
    expect(s.code).toBe('spawn')
    expect(s.message).toMatch(/cannot start Windows PowerShell .*ENOENT/)
    const c = await failure(os('powershell-crashed').os.listAddresses())
    expect(c.code).toBe('garbled')
    expect(c.message).toMatch(/exited -1 without a result: Program 'powershell.exe' failed to run/)
  })
})

describe('WindowsOs: neighbour update', () => {
  it('confirms the announcement once the VIP passed duplicate address detection, then runs nothing more', async () => {
    const { os: w, runner } = os('address-state-tentative', 'address-state-preferred')
    await w.sendGarp('192.0.2.10', 'Ethernet') // DAD still running: looks again next time
    await w.sendGarp('192.0.2.10', 'Ethernet')
    await w.sendGarp('192.0.2.10', 'Ethernet') // confirmed: no PowerShell
    expect(runner.calls.map((c) => c.script)).toEqual(['address-state', 'address-state'])
  })

  it('shares one check among a burst of repeats', async () => {
    const { os: w, runner } = os('address-state-preferred')
    await Promise.all([1, 2, 3, 4, 5].map(() => w.sendGarp('192.0.2.10', 'Ethernet')))
    expect(runner.calls).toHaveLength(1)
  })

  it('adds a Duplicate VIP again, so a fresh detection announces it, and says why', async () => {
    const { os: w, runner } = os('address-state-duplicate', 'remove-vip-removed', 'add-vip-created')
    const err = await failure(w.sendGarp('192.0.2.10', 'Ethernet'))
    expect(err.code).toBe('duplicate-address')
    expect(err.message).toMatch(/marked Duplicate.*old master/)
    expect(runner.calls.map((c) => c.script)).toEqual(['address-state', 'remove-vip', 'add-vip'])
    expect(runner.calls[2]!.params).toEqual({ address: '192.0.2.10', prefix: 24, dev: 'Ethernet' })
  })

  it('fails clearly when the VIP is not there to announce', async () => {
    expect((await failure(os('address-state-absent').os.sendGarp('192.0.2.10', 'Ethernet'))).message).toMatch(/not on Ethernet/)
  })

  it('reports the way neighbours are updated, and warns when DAD is off or the build predates it', async () => {
    const ok = new WindowsOs({ runner: new ReplayPsRunner('neighbour-facts-2022'), vipInterfaces: ['ethernet'] })
    const good = await ok.garpSupport()
    expect(good.ok).toBe(true)
    expect(good.method).toBe('windows-dad-announcement')
    expect(good.detail).toMatch(/Windows announces each VIP itself .*Ethernet: ~3000 ms/)
    expect(ok.neighbourUpdate()!.method).toBe('windows-dad-announcement')

    const off = await new WindowsOs({ runner: new ReplayPsRunner('neighbour-facts-dad-off') }).garpSupport()
    expect(off.ok).toBe(false)
    expect(off.detail).toMatch(/DadTransmits 0.*Set-NetIPInterface -InterfaceIndex 6 -AddressFamily IPv4 -DadTransmits 3/)

    const old = await new WindowsOs({ runner: new ReplayPsRunner('neighbour-facts-2012r2') }).garpSupport()
    expect(old.ok).toBe(false)
    expect(old.detail).toMatch(/build 9600.*0\.0\.0\.0 DAD probes/)

    const missing = await new WindowsOs({ runner: new ReplayPsRunner('neighbour-facts-2022'), vipInterfaces: ['Ethernet 9'] }).garpSupport()
    expect(missing.ok).toBe(false)
    expect(missing.detail).toContain('"Ethernet 9" has no IPv4 configuration')
  })

  it('reports, rather than throws, when the settings cannot be read', async () => {
    const r = await new WindowsOs({ runner: new ReplayPsRunner('constrained-language') }).garpSupport()
    expect(r).toEqual({ ok: false, method: 'windows-dad-announcement', detail: expect.stringMatching(/^cannot tell whether Windows will announce the VIPs: .*Constrained Language Mode/) })
  })
})

describe('WindowsOs: firewall rule', () => {
  it('creates the rule for IP protocol 112 from the peers at prepare()', async () => {
    const runner = new ReplayPsRunner('firewall-created')
    const warnings: string[] = []
    await new WindowsOs({ runner, firewallPeers: ['198.51.100.22', '198.51.100.23'], warn: (m) => warnings.push(m) }).prepare()
    expect(runner.calls).toEqual([{ script: 'firewall-rule', params: { name: FIREWALL_RULE_NAME, displayName: expect.stringContaining('IP protocol 112'), remote: ['198.51.100.22', '198.51.100.23'] } }])
    expect(warnings).toEqual([])
  })

  it('warns, and does not stop the agent, when the rule cannot be made', async () => {
    const warnings: string[] = []
    await new WindowsOs({ runner: new ReplayPsRunner('firewall-access-denied'), firewallPeers: ['198.51.100.22'], warn: (m) => warnings.push(m) }).prepare()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/creating the firewall rule .* failed: Access is denied.*must run elevated.*split brain/)
  })

  it('refuses a peer that is not an address', async () => {
    const { os: w, runner } = os()
    expect((await failure(w.ensureFirewallRule(['198.51.100.22; Remove-Item']))).message).toContain('not an IPv4 address')
    expect(runner.calls).toEqual([])
  })
})
