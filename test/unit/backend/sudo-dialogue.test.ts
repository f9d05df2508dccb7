// The sudo dialogue's stderr parsing, pure: sudo's prompt and the ready line are recognised
// however the bytes are split into chunks, text around them passes through unchanged, and
// after the ready line nothing the command prints is taken for a prompt.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { newSudoMarkers, SudoStderr, sudoArgv, type SudoStderrPart } from '../../../electron/backend/ssh/sudo-dialogue'

const markers = { prompt: '[havip-sudo-prompt-00aa]', ready: '[havip-sudo-ready-11bb]' }

/** Feeds `chunks` and returns the parts with adjacent text joined, plus the flushed tail. */
function parse(chunks: string[]): Array<string | 'PROMPT' | 'READY'> {
  const p = new SudoStderr(markers)
  const parts: SudoStderrPart[] = chunks.flatMap((c) => p.push(Buffer.from(c)))
  const tail = p.end()
  if (tail.length > 0) parts.push({ kind: 'text', data: tail })
  const out: Array<string | 'PROMPT' | 'READY'> = []
  for (const part of parts) {
    if (part.kind === 'prompt') out.push('PROMPT')
    else if (part.kind === 'ready') out.push('READY')
    else if (typeof out[out.length - 1] === 'string' && out[out.length - 1] !== 'PROMPT' && out[out.length - 1] !== 'READY') out[out.length - 1] += part.data.toString()
    else out.push(part.data.toString())
  }
  return out
}

/** Every way of cutting `s` into two or three chunks. */
function splits(s: string): string[][] {
  const all: string[][] = [[s]]
  for (let i = 1; i < s.length; i++) {
    all.push([s.slice(0, i), s.slice(i)])
    for (let j = i + 1; j < s.length; j += 7) all.push([s.slice(0, i), s.slice(i, j), s.slice(j)])
  }
  return all
}

describe('SudoStderr', () => {
  it('NOPASSWD: no prompt, the ready line, then the command’s own stderr', () => {
    expect(parse([`${markers.ready}\nwarning: x\n`])).toEqual(['READY', 'warning: x\n'])
  })

  it('password sudo: prompt, ready; a wrong password: prompt, sudo’s complaint, prompt again', () => {
    expect(parse([markers.prompt, `${markers.ready}\n`])).toEqual(['PROMPT', 'READY'])
    expect(parse([`${markers.prompt}Sorry, try again.\n${markers.prompt}`, 'sudo: 1 incorrect password attempt\n'])).toEqual([
      'PROMPT', 'Sorry, try again.\n', 'PROMPT', 'sudo: 1 incorrect password attempt\n'
    ])
  })

  it('finds the markers however the stream is cut into chunks', () => {
    const stream = `sudo: lecture\n${markers.prompt}Sorry, try again.\n${markers.prompt}${markers.ready}\nafter [havip`
    const want = ['sudo: lecture\n', 'PROMPT', 'Sorry, try again.\n', 'PROMPT', 'READY', 'after [havip']
    for (const chunks of splits(stream)) expect(parse(chunks), JSON.stringify(chunks)).toEqual(want)
  })

  it('after the ready line, the command cannot fake a prompt', () => {
    const p = new SudoStderr(markers)
    expect(p.push(Buffer.from(`${markers.ready}\n`)).map((x) => x.kind)).toEqual(['ready'])
    expect(p.started).toBe(true)
    const later = p.push(Buffer.from(`${markers.prompt}${markers.ready}\n`))
    expect(later).toEqual([{ kind: 'text', data: Buffer.from(`${markers.prompt}${markers.ready}\n`) }])
  })

  it('the ready marker without its newline is not the ready line; a held partial marker comes out at the end', () => {
    expect(parse([markers.ready])).toEqual([markers.ready])
    expect(parse(['text [havip-sudo-pro'])).toEqual(['text [havip-sudo-pro'])
  })
})

describe('sudoArgv and the markers', () => {
  it('markers are random, hex only, and differ between commands', () => {
    const a = newSudoMarkers()
    const b = newSudoMarkers()
    expect(a.prompt).not.toBe(b.prompt)
    expect(a.ready).not.toBe(b.ready)
    for (const m of [a.prompt, a.ready]) expect(m).toMatch(/^\[havip-sudo-(prompt|ready)-[0-9a-f]{16}\]$/)
  })

  it('the wrapper prints the ready line, then execs exactly argv (run by a real sh, sudo left out)', () => {
    const argv = ['printf', '%s|', '-k', '--', '$(id)', "it's", '']
    const full = sudoArgv(argv, markers)
    expect(full.slice(0, 8)).toEqual(['env', 'LC_MESSAGES=C', 'sudo', '-S', '-p', markers.prompt, '-k', '--'])
    const afterSudo = full.slice(8)
    const [file, ...args] = afterSudo
    const out = execFileSync(file as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    expect(out).toBe(`-k|--|$(id)|it's||`)
    const both = execFileSync('/bin/sh', ['-c', '"$@" 2>&1', 'sh', ...afterSudo], { encoding: 'utf8' })
    expect(both).toBe(`${markers.ready}\n-k|--|$(id)|it's||`)
  })
})
