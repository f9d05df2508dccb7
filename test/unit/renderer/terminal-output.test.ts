// Where terminal output goes in the renderer: to the xterm of its terminal once mounted, in
// order, including what arrived before the mount (between terminal.open and the view); nothing
// is kept for terminals this window will never show.
import { describe, expect, it } from 'vitest'
import {
  attachTerminalOutput,
  dropUnclaimedTerminalOutput,
  forgetTerminalOutput,
  routeTerminalOutput
} from '../../../renderer/src/composables/terminalOutput'

describe('terminal output routing', () => {
  it('hands output that came before the view mounted to it first, in order, then the rest directly', () => {
    routeTerminalOutput('t-000000000001', 'a')
    routeTerminalOutput('t-000000000001', 'b')
    const got: string[] = []
    const detach = attachTerminalOutput('t-000000000001', (d) => got.push(d))
    expect(got).toEqual(['a', 'b'])
    routeTerminalOutput('t-000000000001', 'c')
    expect(got).toEqual(['a', 'b', 'c'])
    detach()
    routeTerminalOutput('t-000000000001', 'd') // waits again, for a view mounted later
    const again: string[] = []
    attachTerminalOutput('t-000000000001', (d) => again.push(d))
    expect(again).toEqual(['d'])
    forgetTerminalOutput('t-000000000001')
  })

  it('drops output waiting for terminals that are not ours once no open is in flight', () => {
    routeTerminalOutput('t-0000000000aa', 'mine')
    routeTerminalOutput('t-0000000000bb', "another window's")
    dropUnclaimedTerminalOutput(new Set(['t-0000000000aa']))
    const mine: string[] = []
    const theirs: string[] = []
    attachTerminalOutput('t-0000000000aa', (d) => mine.push(d))
    attachTerminalOutput('t-0000000000bb', (d) => theirs.push(d))
    expect(mine).toEqual(['mine'])
    expect(theirs).toEqual([])
    forgetTerminalOutput('t-0000000000aa')
    forgetTerminalOutput('t-0000000000bb')
  })

  it('forgets a closed terminal: later output for it is not delivered to its old view', () => {
    const got: string[] = []
    attachTerminalOutput('t-0000000000cc', (d) => got.push(d))
    forgetTerminalOutput('t-0000000000cc')
    routeTerminalOutput('t-0000000000cc', 'late')
    expect(got).toEqual([])
    forgetTerminalOutput('t-0000000000cc')
  })
})
