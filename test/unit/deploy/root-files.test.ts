// writeConfig's root script run for real on this machine's shell (LocalShellSession), with the
// agent's own config check (in-process, and the real bundle's check-config where the node must
// judge: track scripts): values with shell metacharacters are data end to end, a refused config
// leaves the old files, and nothing is left half written.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterDefinition } from '../../../electron/api/cluster'
import { DeployError } from '../../../electron/backend/deploy/layout'
import { rootArgv, rootScript } from '../../../electron/backend/deploy/remote-run'
import { writeConfigFiles, type ConfigPaths } from '../../../electron/backend/deploy/root-files'
import { ensureBundle, BUNDLE_DIR } from '../../integration/agent/lab-agents'
import { LocalShellSession } from './local-shell-session'

const HOSTILE = [
  `$(touch PWNED)`,
  '`touch PWNED`',
  `'; touch PWNED; '`,
  `"; touch PWNED; "`,
  'a\nb; touch PWNED',
  '--config',
  '-e',
  '*',
  '\\',
  'ünïcødé ✓',
  ''
]

let dir: string
let paths: ConfigPaths
const session = new LocalShellSession()

const AGENT_CONFIG = JSON.stringify({
  controlSocket: '/run/havip-unit-test-no-such-dir/agent.sock',
  instances: [{ name: 'VI_1', interface: 'eth0', vrid: 51, priority: 150, vips: [{ address: '198.51.100.210', prefix: 24 }] }]
})

function definition(name: string, password: string): ClusterDefinition {
  return {
    schema: 1,
    id: 'c-0001',
    name,
    generation: 7,
    writtenBy: 'unit test',
    updatedAt: '2026-12-01T00:00:00.000Z',
    nodes: [{ name: 'n1', host: '198.51.100.11', port: 22, username: 'root', platform: 'linux', interface: 'eth0', address: '198.51.100.11', priority: 100 }],
    roles: [{ name: 'VI_1', vip: '198.51.100.210/24', vrid: 51, version: 2, advertIntervalMs: 1000, mode: 'unicast', auth: { type: 'pass', password }, preferredOwners: ['n1'], failback: { policy: 'never' } }]
  } as unknown as ClusterDefinition
}

beforeAll(() => {
  ensureBundle()
  dir = mkdtempSync(join(tmpdir(), 'havip-root-files-'))
  paths = {
    etc: join(dir, 'etc'),
    clusterJson: join(dir, 'etc', 'cluster.json'),
    agentJson: join(dir, 'etc', 'agent.json'),
    node: process.execPath,
    agent: join(BUNDLE_DIR, 'havip-agent.cjs')
  }
}, 180_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('root scripts take values as positional arguments', () => {
  it('every hostile value reaches the script intact, and none runs', async () => {
    const echo = rootScript('echo-args', ['for a in "$@"; do printf "%s\\000" "$a"; done'])
    const r = await session.exec(rootArgv(echo, HOSTILE), { timeoutMs: 10_000 })
    expect(r.code).toBe(0)
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE)
    expect(existsSync('PWNED')).toBe(false)
    // The script text itself crossed as one quoted argument: no value was spliced into it.
    expect(session.sent.at(-1)).toContain(`'${echo.body.split("'").join(`'\\''`)}'`)
  })
})

describe('writeConfig', () => {
  it('writes cluster.json and agent.json 0600 with hostile names and passwords as plain data', async () => {
    for (const name of [HOSTILE.join(' '), HOSTILE.slice().reverse().join('|')]) {
      const def = definition(name, `p'$(x)"`)
      await writeConfigFiles(session, def, AGENT_CONFIG, paths)
      expect(JSON.parse(readFileSync(paths.clusterJson, 'utf8'))).toEqual(def)
      expect(readFileSync(paths.agentJson, 'utf8')).toBe(AGENT_CONFIG)
      expect(statSync(paths.clusterJson).mode & 0o777).toBe(0o600)
      expect(statSync(paths.agentJson).mode & 0o777).toBe(0o600)
    }
    expect(existsSync(join(dir, 'PWNED'))).toBe(false)
    expect(existsSync('PWNED')).toBe(false)
    // The password never crossed on a command line: only inside the (base64) stdin.
    expect(session.sent.join('\n')).not.toContain(`p'$(x)"`)
    expect(readdirSync(paths.etc).sort()).toEqual(['agent.json', 'cluster.json'])
  })

  it('refuses a config the agent\'s check rejects before touching the node, says why, and leaves the old files as they were', async () => {
    const good = definition('good', 'secret')
    await writeConfigFiles(session, good, AGENT_CONFIG, paths)
    const before = [readFileSync(paths.clusterJson, 'utf8'), readFileSync(paths.agentJson, 'utf8')]
    const bad = JSON.stringify({ instances: [{ name: 'VI_1', interface: 'eth0', vrid: 300, priority: 150, vips: [{ address: '198.51.100.210', prefix: 24 }] }] })
    const sent = session.sent.length
    const err = await writeConfigFiles(session, definition('next', 'secret'), bad, paths).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DeployError)
    expect((err as Error).message).toMatch(/on local-test-node failed: the agent's config check refused it: .*vrid/)
    expect((err as Error).message).toMatch(/as they were/)
    expect(session.sent.length).toBe(sent)
    expect([readFileSync(paths.clusterJson, 'utf8'), readFileSync(paths.agentJson, 'utf8')]).toEqual(before)
    expect(readdirSync(paths.etc).sort()).toEqual(['agent.json', 'cluster.json']) // no temp file left
  })

  it('has the node\'s own check-config judge what depends on the node (a track script there), and keeps the old files when it refuses', async () => {
    const good = definition('good', 'secret')
    await writeConfigFiles(session, good, AGENT_CONFIG, paths)
    const before = [readFileSync(paths.clusterJson, 'utf8'), readFileSync(paths.agentJson, 'utf8')]
    // Valid as a config; only the node can tell that the script does not exist there.
    const tracked = JSON.stringify({
      controlSocket: '/run/havip-unit-test-no-such-dir/agent.sock',
      scripts: [{ name: 'chk', argv: [join(dir, 'no-such-script')] }],
      instances: [{ name: 'VI_1', interface: 'eth0', vrid: 51, priority: 150, trackScripts: [{ name: 'chk' }], vips: [{ address: '198.51.100.210', prefix: 24 }] }]
    })
    const err = await writeConfigFiles(session, definition('next', 'secret'), tracked, paths).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DeployError)
    expect((err as Error).message).toMatch(/on local-test-node failed: the agent on the node refused it: .*chk/)
    expect((err as Error).message).toMatch(/left as they were/)
    expect([readFileSync(paths.clusterJson, 'utf8'), readFileSync(paths.agentJson, 'utf8')]).toEqual(before)
    expect(readdirSync(paths.etc).sort()).toEqual(['agent.json', 'cluster.json'])
  })

  it('refuses to write a config before a release is installed', async () => {
    const err = await writeConfigFiles(session, definition('x', 'secret'), AGENT_CONFIG, { ...paths, agent: join(dir, 'no-release', 'havip-agent.cjs') }).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/no agent release is installed/)
  })

  it('refuses text that is not JSON before touching the node', async () => {
    const sent = session.sent.length
    const err = await writeConfigFiles(session, definition('x', 'secret'), '{not json', paths).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/not JSON/)
    expect(session.sent.length).toBe(sent)
  })
})

