// vitest globalSetup for the integration and e2e suites: makes sure the lab is up with 3 nodes.
// At teardown it takes the lab down only if this run built it and no other live process (another
// test run on this machine) still uses it. Tests read the lab with readLabState().
import { labDown, labUpDetailed, otherLabUsers, unregisterLabUser } from './lab'

const log = (line: string): void => console.log(`lab: ${line}`)

export default async function setup(): Promise<() => Promise<void>> {
  const { built } = await labUpDetailed({ nodes: 3, progress: log })
  return async () => {
    unregisterLabUser()
    if (!built) return
    const others = otherLabUsers([process.pid])
    if (others.length > 0) {
      log(`leaving the lab up: still used by pid(s) ${others.join(', ')}`)
      return
    }
    await labDown({ progress: log })
  }
}
