// A console action is recorded as one event when it ends: its result in words, or its error
// naming the node; the caller gets the action's own result or error unchanged.
import { describe, expect, it } from 'vitest'
import { ApiException, apiError } from '../../../electron/api/errors'
import { recordedAction } from '../../../electron/backend/cluster-events/action-events'
import type { EventInput } from '../../../electron/backend/cluster-events/event-record'

describe('recordedAction', () => {
  it('records the result, and the failure with the node the error names', async () => {
    const got: EventInput[] = []
    const rec = { record: (_c: string, i: readonly EventInput[]) => got.push(...i) }
    const r = await recordedAction(rec, { clusterId: 'cl-0000000000000001', what: 'Move role web', role: 'web' }, async () => ({ owner: 'n2', outageMs: 0 }), (m) => ({ message: `now on ${m.owner}, outage ${m.outageMs} ms` }))
    expect(r).toEqual({ owner: 'n2', outageMs: 0 })
    expect(got[0]).toMatchObject({ kind: 'action', level: 'info', role: 'web', message: 'Move role web: now on n2, outage 0 ms' })

    const failure = new ApiException(apiError('unreachable', 'n3 does not answer', { node: 'n3' }))
    await expect(recordedAction(rec, { clusterId: 'cl-0000000000000001', what: 'Pause node n3' }, () => Promise.reject(failure), () => ({ message: 'x' }))).rejects.toBe(failure)
    expect(got[1]).toMatchObject({ kind: 'action', level: 'error', node: 'n3', message: 'Pause node n3 failed: n3 does not answer' })
  })
})
