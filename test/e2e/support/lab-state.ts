// The lab as the e2e tests see it: read afresh (host keys are regenerated whenever the lab is
// rebuilt). Nodes by name come from the lab's own labNode().
import { readLabState, type LabState } from '../../lab/lab'

export { labNode } from '../../lab/lab'

export function currentLab(): LabState {
  const state = readLabState()
  if (!state) throw new Error('the lab is not up: the e2e globalSetup (test/lab/global-setup.ts) should have built it')
  return state
}
