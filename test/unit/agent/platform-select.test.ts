/**
 * The agent picks its OS layer from process.platform (injected here): win32 gets the Windows
 * adapter, the named pipe, the control token and Windows config rules; linux keeps iproute2 and
 * the Unix socket; anything else is refused with a message.
 */
import { describe, expect, it } from 'vitest'
import { parseJsonConfig } from '../../../agent/config/json-config'
import { defaultControlSocket, WINDOWS_CONTROL_PIPE, type AgentConfig } from '../../../agent/config/model'
import { WINDOWS_TOKEN_FILE } from '../../../agent/control/token'
import { LinuxOs } from '../../../agent/os/linux'
import { WindowsOs } from '../../../agent/os/windows'
import { platformRuntime } from '../../../agent/platform'
import { ReplayPsRunner } from './windows-replay'

const WIN_CONFIG = JSON.stringify({
  instances: [{ name: 'web', interface: 'Ethernet 2', vrid: 51, priority: 150, unicastPeers: ['198.51.100.22'], vips: [{ address: '192.0.2.10', prefix: 24 }] }]
})

function config(text = WIN_CONFIG, target: 'linux' | 'windows' = 'windows'): AgentConfig {
  const r = parseJsonConfig(text, { target })
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([])
  return r.config!
}

describe('platform selection', () => {
  it('picks the Windows adapter, the pipe and the token file on win32', async () => {
    const runner = new ReplayPsRunner('firewall-created', 'neighbour-facts-2022')
    const rt = platformRuntime('win32', { runner })
    expect(rt.configTarget).toBe('windows')
    expect(rt.tokenFile).toBe(WINDOWS_TOKEN_FILE)
    const os = rt.makeOs(config(), () => {})
    expect(os).toBeInstanceOf(WindowsOs)
    // The adapter is made for this config: the firewall rule admits its peers, the neighbour check looks at its VIP interface.
    await os.prepare!()
    expect(runner.calls[0]!.params.remote).toEqual(['198.51.100.22'])
    expect((await os.garpSupport()).detail).toMatch(/^neighbour update will not work everywhere: interface "Ethernet 2" has no IPv4 configuration/)
  })

  it('keeps iproute2 and the Unix socket on linux', () => {
    const rt = platformRuntime('linux')
    expect(rt.configTarget).toBe('linux')
    expect(rt.tokenFile).toBeUndefined()
    expect(rt.makeOs(config(JSON.stringify({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, priority: 150, vips: [{ address: '192.0.2.10' }] }] }), 'linux'), () => {})).toBeInstanceOf(LinuxOs)
  })

  it('refuses other platforms', () => {
    expect(() => platformRuntime('darwin')).toThrow('havip-agent runs on Linux and Windows Server; this is darwin')
  })

  it('checks the token directory\'s ACL before the token is written on win32', async () => {
    await expect(platformRuntime('win32', { runner: new ReplayPsRunner('dir-acl-private') }).checkTokenDir!()).resolves.toBeUndefined()
    const runner = new ReplayPsRunner('dir-acl-users-read')
    const err = platformRuntime('win32', { runner }).checkTokenDir!()
    await expect(err).rejects.toThrow(/C:\\ProgramData\\HAVIP must be readable by SYSTEM and Administrators only .*S-1-5-32-545 is allowed ReadAndExecute.*icacls "C:\\ProgramData\\HAVIP" \/inheritance:r/)
    expect(runner.calls).toEqual([{ script: 'dir-acl', params: { path: 'C:\\ProgramData\\HAVIP' } }])
  })
})

describe('config rules per platform', () => {
  it('reads a Windows config with an alias that has spaces and the pipe as the default endpoint', () => {
    const c = config()
    expect(c.instances[0]!.interface).toBe('Ethernet 2')
    expect(c.controlSocket).toBe(WINDOWS_CONTROL_PIPE)
    expect(WINDOWS_CONTROL_PIPE).toBe('\\\\.\\pipe\\havip-agent')
    expect(defaultControlSocket('linux')).toBe('/run/havip/agent.sock')
  })

  it('refuses on Windows what Windows has no use for, and on Linux what Linux cannot name', () => {
    const withLabel = JSON.stringify({ instances: [{ name: 'web', interface: 'Ethernet', vrid: 51, priority: 150, vips: [{ address: '192.0.2.10', label: 'Ethernet:vip' }] }] })
    expect(parseJsonConfig(withLabel, { target: 'windows' }).issues.map((i) => i.message).join('\n')).toMatch(/labels are a Linux feature/)
    const unixSocket = JSON.stringify({ controlSocket: '/run/havip/agent.sock', instances: [{ name: 'web', interface: 'Ethernet', vrid: 51, priority: 150, vips: [{ address: '192.0.2.10' }] }] })
    expect(parseJsonConfig(unixSocket, { target: 'windows' }).issues.map((i) => i.message).join('\n')).toMatch(/is not a named pipe; on Windows use e\.g\. \\\\\.\\pipe\\havip-agent/)
    expect(parseJsonConfig(WIN_CONFIG, { target: 'linux' }).issues.map((i) => i.message).join('\n')).toMatch(/"Ethernet 2" is not a Linux interface name/)
    const controlChar = JSON.stringify({ instances: [{ name: 'web', interface: 'Eth\u0001', vrid: 51, priority: 150, vips: [{ address: '192.0.2.10' }] }] })
    expect(parseJsonConfig(controlChar, { target: 'windows' }).issues.some((i) => /not a Windows interface alias/.test(i.message))).toBe(true)
  })
})
