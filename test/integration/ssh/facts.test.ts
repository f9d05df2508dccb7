// Node facts read over SSH, compared with what the lab sees directly in the node's namespaces.
import * as os from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NodeFactsSchema } from '../../../electron/api/model'
import { collectLinuxFacts } from '../../../electron/backend/platform/linux-facts'
import { nodeExec } from '../../lab/lab'
import { makeEnv, type SshTestEnv } from './helpers'

let env: SshTestEnv
beforeAll(() => {
  env = makeEnv()
})
afterAll(async () => {
  await env?.dispose()
})

describe('collectLinuxFacts', () => {
  it('reports n1 as it is: hostname, eth0 with its /24 address and MTU, kernel, arch, OS, Node.js', async () => {
    const s = await env.pool.connect(env.rootTarget())
    const facts = NodeFactsSchema.parse(await collectLinuxFacts(s))
    expect(facts.hostname).toBe('n1')
    expect(facts.platform).toBe('linux')

    const eth0 = facts.interfaces.find((i) => i.name === 'eth0')
    expect(eth0).toBeDefined()
    expect(eth0!.addresses).toContainEqual({ family: 'inet', address: env.n1.address, prefix: 24 })
    expect(eth0!.state).toBe('UP')
    const link = JSON.parse((await nodeExec(env.n1, ['ip', '-j', 'link', 'show', 'eth0'])).stdout)[0]
    expect(eth0!.mtu).toBe(link.mtu)
    expect(eth0!.mac).toBe(link.address)
    expect(facts.interfaces.find((i) => i.name === 'lo')?.addresses).toContainEqual({ family: 'inet', address: '127.0.0.1', prefix: 8 })

    // Namespaces share the kernel and the root file system with the host.
    expect(facts.kernel).toBe(os.release())
    expect(facts.arch).toBe((await nodeExec(env.n1, ['uname', '-m'])).stdout.trim())
    expect(facts.os.prettyName).toMatch(/\S/)
    expect(facts.os.id).toBe(/^ID=(.*)$/m.exec((await nodeExec(env.n1, ['cat', '/etc/os-release'])).stdout)?.[1]?.replace(/"/g, ''))
    const nodeV = await nodeExec(env.n1, ['node', '--version'])
    expect(facts.nodeVersion).toBe(nodeV.code === 0 ? nodeV.stdout.trim() : null)

    const routes = JSON.parse((await nodeExec(env.n1, ['ip', '-j', 'route', 'show', 'default'])).stdout || '[]') as Array<{ gateway?: string; dev: string }>
    expect(facts.defaultRoute).toEqual(routes[0] ? { gateway: routes[0].gateway ?? null, dev: routes[0].dev } : null)
    expect(Date.now() - Date.parse(facts.collectedAt)).toBeLessThan(60_000)
  })

  it('works for a non-root user too, and each node reports itself', async () => {
    const s = await env.pool.connect(env.adminTarget(env.n2))
    const facts = await collectLinuxFacts(s)
    expect(facts.hostname).toBe('n2')
    expect(facts.interfaces.find((i) => i.name === 'eth0')?.addresses).toContainEqual({ family: 'inet', address: env.n2.address, prefix: 24 })
  })
})
