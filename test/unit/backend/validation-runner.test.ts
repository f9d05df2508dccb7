// The runner on its own, with nodes whose sessions are never called: every node in parallel,
// a slow test fails only on its node (with the reason) and does not hold up the others, a test
// that throws is Failed with the error's hint, cancel makes the unfinished tests NotRun at once,
// unreachable nodes get every test Failed with why.
import { describe, expect, it } from 'vitest'
import type { NodeFacts } from '../../../electron/api/model'
import type { ValidationProgress, ValidationResult } from '../../../electron/api/validation'
import { runTests, type RunnerInput } from '../../../electron/backend/validation/runner'
import { SshError } from '../../../electron/backend/ssh/errors'
import type { NodeContext, ValidationTestDef } from '../../../electron/backend/validation/test-module'
import { linuxPlatform } from '../../../electron/backend/platform/linux-platform'

function nodeCtx(id: string): NodeContext {
  const facts: NodeFacts = {
    hostname: id,
    os: { id: 'debian', name: 'Debian', version: '12', prettyName: 'Debian 12' },
    kernel: '6.1.0',
    arch: 'x86_64',
    nodeVersion: 'v20.1.0',
    interfaces: [],
    defaultRoute: null,
    platform: 'linux',
    collectedAt: new Date().toISOString()
  }
  const session = new Proxy({}, { get: () => () => Promise.reject(new Error('no session in this test')) }) as NodeContext['session']
  return { nodeId: id, label: id, host: id, session, facts, platform: linuxPlatform }
}

function def(id: string, scope: 'node' | 'cluster', body: Partial<ValidationTestDef>): ValidationTestDef {
  return { meta: { id, group: 'inventory', title: id, checks: 'checks', scope, needsRoot: false }, ...body }
}

function input(tests: ValidationTestDef[], nodes: NodeContext[], extra: Partial<RunnerInput> = {}): RunnerInput & { results: ValidationResult[]; progress: Omit<ValidationProgress, 'runId'>[] } {
  const results: ValidationResult[] = []
  const progress: Omit<ValidationProgress, 'runId'>[] = []
  return {
    tests,
    nodes,
    unreachable: [],
    settings: { vip: '198.51.100.200', prefix: 24, advertIntervalMs: 1000, mode: 'unicast' },
    signal: new AbortController().signal,
    onProgress: (p) => progress.push(p),
    onResult: (r) => results.push(r),
    results,
    progress,
    ...extra
  }
}

const never = (signal: AbortSignal): Promise<never> => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))

describe('validation runner', () => {
  it('runs every node in parallel; a slow node fails its own test with the reason, the others finish', async () => {
    const started: string[] = []
    const slow = def('inventory.slow', 'node', {
      timeoutMs: 300,
      runNode: async (node, cluster) => {
        started.push(node.nodeId)
        if (node.nodeId === 'n2') return never(cluster.signal)
        return { status: 'Success', details: `${node.nodeId} ok` }
      }
    })
    const inp = input([slow], [nodeCtx('n1'), nodeCtx('n2'), nodeCtx('n3')])
    await runTests(inp)
    expect(started.sort()).toEqual(['n1', 'n2', 'n3'])
    const by = Object.fromEntries(inp.results.map((r) => [r.nodeId, r]))
    expect(by.n1!.status).toBe('Success')
    expect(by.n3!.status).toBe('Success')
    expect(by.n2!.status).toBe('Failed')
    expect(by.n2!.details).toMatch(/did not finish within 0 s on n2/)
    expect(by.n2!.remediation).toBeTruthy()
  })

  it('a test that throws an SshError is Failed with its message and hint', async () => {
    const t = def('inventory.throws', 'node', {
      runNode: async (node) => {
        throw new SshError({ kind: 'sudo-password-required', host: node.host, message: `sudo on ${node.host} needs a password`, hint: 'Give the sudo password.' })
      }
    })
    const inp = input([t], [nodeCtx('n1')])
    await runTests(inp)
    expect(inp.results[0]).toMatchObject({ status: 'Failed', details: 'inventory.throws: sudo on n1 needs a password', remediation: 'Give the sudo password.' })
  })

  it('cluster tests give one result per node; a node the test forgot is Failed', async () => {
    const t = def('inventory.cmp', 'cluster', { runCluster: async () => ({ n1: { status: 'Warning', details: 'w', remediation: 'r' } }) })
    const inp = input([t], [nodeCtx('n1'), nodeCtx('n2')])
    await runTests(inp)
    expect(inp.results.map((r) => [r.nodeId, r.status])).toEqual([
      ['n1', 'Warning'],
      ['n2', 'Failed']
    ])
  })

  it('cancel: unfinished and unstarted tests are NotRun, and the run returns at once', async () => {
    const controller = new AbortController()
    let running = 0
    const tests = Array.from({ length: 10 }, (_, i) =>
      def(`inventory.t${i}`, 'node', {
        timeoutMs: 60_000,
        runNode: async (_n, cluster) => {
          running++
          return never(cluster.signal)
        }
      })
    )
    const inp = input(tests, [nodeCtx('n1'), nodeCtx('n2')], { signal: controller.signal })
    const done = runTests(inp)
    await new Promise((r) => setTimeout(r, 50))
    expect(running).toBeGreaterThan(0)
    controller.abort()
    await done
    expect(inp.results).toHaveLength(20)
    expect(new Set(inp.results.map((r) => r.status))).toEqual(new Set(['NotRun']))
    expect(inp.results[0]!.details).toMatch(/cancelled/)
  })

  it('unreachable nodes have every test Failed with why, and progress reports Running then the result', async () => {
    const t = def('inventory.a', 'node', { runNode: async () => ({ status: 'Success', details: 'fine' }) })
    const inp = input([t], [nodeCtx('n1')], {
      unreachable: [{ nodeId: 'root@n9:22', label: 'n9', error: { kind: 'unreachable', message: 'No route to n9.', hint: 'Check the network.' } }]
    })
    await runTests(inp)
    expect(inp.results.find((r) => r.nodeId === 'root@n9:22')).toMatchObject({ status: 'Failed', remediation: 'Check the network.' })
    expect(inp.results.find((r) => r.nodeId === 'root@n9:22')!.details).toContain('No route to n9.')
    expect(inp.progress.filter((p) => p.nodeId === 'n1').map((p) => p.status)).toEqual(['Running', 'Success'])
  })

  it('merges a test\'s proposal (a free VRID) into the result', async () => {
    const t = def('inventory.p', 'cluster', { runCluster: async () => ({ n1: { status: 'Success', details: 'ok' } }), proposals: () => ({ vrid: 42 }) })
    expect(await runTests(input([t], [nodeCtx('n1')]))).toEqual({ proposedVrid: 42 })
  })
})
