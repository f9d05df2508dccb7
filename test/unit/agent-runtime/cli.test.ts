import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../../agent/main'

const dir = mkdtempSync(join(tmpdir(), 'havip-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') })
  return { code, out, err }
}

const GOOD_CONF = `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  unicast_src_ip 198.51.100.11
  unicast_peer {
    198.51.100.12
  }
  virtual_ipaddress {
    198.51.100.200/24 dev eth0
  }
}
`

describe('havip-agent CLI', () => {
  it('prints the version and usage', async () => {
    expect(await cli('version')).toMatchObject({ code: 0, out: expect.stringMatching(/^\d+\.\d+\.\d+/) })
    expect((await cli('help')).out).toContain('havip-agent run --config FILE | --keepalived-conf FILE')
  })

  it('exits 2 with a clear message on usage errors', async () => {
    for (const [argv, msg] of [
      [[], /no command given/],
      [['frob'], /unknown command "frob"/],
      [['run'], /give exactly one of --config FILE or --keepalived-conf FILE/],
      [['check-config', '--config', 'a', '--keepalived-conf', 'b'], /exactly one of/],
      [['ctl'], /ctl needs a command: status, watch, takeover/],
      [['ctl', 'status', 'VI_1'], /ctl status takes no instance name/],
      [['probe'], /probe needs a TARGET/],
      [['probe', 'example.com'], /TARGET must be an IPv4 address/],
      [['probe', '198.51.100.1', '--interval-ms', '0'], /--interval-ms must be an integer >= 1/],
      [['run', '--bogus'], /Unknown option '--bogus'/],
      [['supervise'], /give exactly one of --config FILE or --keepalived-conf FILE/],
      [['supervise', '--config', 'a', '--socket', 'b'], /Unknown option '--socket'/],
      [['supervise', '--config', 'a', 'extra'], /unexpected argument "extra"/]
    ] as [string[], RegExp][]) {
      const r = await cli(...argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err).toMatch(msg)
      expect(r.err).toContain('usage:')
    }
  })

  it('check-config: exit 0 for a valid keepalived.conf, 1 with named issues for an invalid one', async () => {
    const good = join(dir, 'good.conf')
    writeFileSync(good, GOOD_CONF)
    const ok = await cli('check-config', '--keepalived-conf', good)
    expect(ok.code).toBe(0)
    expect(ok.out).toContain('config is valid (1 instance(s))')
    const json = await cli('check-config', '--keepalived-conf', good, '--json')
    expect(JSON.parse(json.out)).toMatchObject({ valid: true, config: { instances: [{ name: 'VI_1', vrid: 51, unicastPeers: ['198.51.100.12'] }] } })

    const bad = join(dir, 'bad.conf')
    writeFileSync(bad, GOOD_CONF.replace('virtual_router_id 51', 'virtual_router_id 300'))
    const r = await cli('check-config', '--keepalived-conf', bad)
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/300/)
    expect(r.out).toContain('config is INVALID')

    const missing = await cli('check-config', '--config', join(dir, 'nope.json'))
    expect(missing.code).toBe(1)
  })

  it('run refuses an invalid config without starting', async () => {
    const bad = join(dir, 'bad-run.conf')
    writeFileSync(bad, GOOD_CONF.replace('virtual_router_id 51', 'virtual_router_id 0'))
    const r = await cli('run', '--keepalived-conf', bad, '--socket', join(dir, 's.sock'))
    expect(r.code).toBe(1)
    expect(r.err).toContain('not starting: the config has errors')
  })

  it('ctl explains when no agent listens', async () => {
    const r = await cli('ctl', 'status', '--socket', join(dir, 'none.sock'))
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/no havip-agent is listening on .*none.sock \(ENOENT\); start it with "havip-agent run/)
  })
})
