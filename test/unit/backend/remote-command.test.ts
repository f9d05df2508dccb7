import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { buildRemoteCommand, classifySudoFailure, usesSudo } from '../../../electron/backend/ssh/remote-command'

const markers = { prompt: '[havip-sudo-prompt-0123456789abcdef]', ready: '[havip-sudo-ready-fedcba9876543210]' }
const WRAP = `sh -c 'printf "%s\\n" "$1" >&2; shift; exec "$@"' sh '${markers.ready}'`

describe('buildRemoteCommand', () => {
  it('quotes argv and wraps it in sudo -S with the prompt marker for non-root users only', () => {
    expect(buildRemoteCommand(['id', '-u'], { username: 'havipadm' })).toBe('id -u')
    expect(buildRemoteCommand(['id', '-u'], { username: 'havipadm', sudo: true, markers })).toBe(
      `env LC_MESSAGES=C sudo -S -p '${markers.prompt}' -k -- ${WRAP} id -u`
    )
    expect(buildRemoteCommand(['id', '-u'], { username: 'root', sudo: true })).toBe('id -u')
    expect(buildRemoteCommand(['ls', '-l', 'a b', "it's"], { username: 'x', sudo: true, markers })).toBe(
      `env LC_MESSAGES=C sudo -S -p '${markers.prompt}' -k -- ${WRAP} ls -l 'a b' 'it'\\''s'`
    )
    expect(usesSudo({ username: 'root', sudo: true })).toBe(false)
    // Without markers nobody could tell sudo's prompt from the command's output: refused.
    expect(() => buildRemoteCommand(['id'], { username: 'x', sudo: true })).toThrow(/markers/)
  })

  it('never carries the sudo password (it goes to stdin)', () => {
    // The API gives buildRemoteCommand no way to receive a password; make sure that stays so.
    expect(buildRemoteCommand.length).toBe(2)
    const cmd = buildRemoteCommand(['true'], { username: 'havipadm', sudo: true, markers, ...({ password: 'hunter2' } as object) })
    expect(cmd).not.toContain('hunter2')
  })

  it('is parsed by a real shell into exactly the argv plus the sudo prefix', () => {
    const argv = ['printf', '%s\\0', '-k', '--', '$(id)', '']
    const cmd = buildRemoteCommand(argv, { username: 'u', sudo: true, markers })
    // Replace "sudo" by a program that prints its own argv: proves the split is exact.
    const out = execFileSync('/bin/sh', ['-c', `set -- ${cmd}; printf '%s\\0' "$@"`], { encoding: 'utf8' })
    expect(out.split('\0').slice(0, -1)).toEqual([
      'env', 'LC_MESSAGES=C', 'sudo', '-S', '-p', markers.prompt, '-k', '--',
      'sh', '-c', 'printf "%s\\n" "$1" >&2; shift; exec "$@"', 'sh', markers.ready, ...argv
    ])
  })
})

describe('classifySudoFailure', () => {
  it("recognises sudo's own messages (Debian sudo 1.9, C locale)", () => {
    expect(classifySudoFailure(1, 'Sorry, try again.\nsudo: 1 incorrect password attempt\n')).toBe('wrong-password')
    expect(classifySudoFailure(1, 'sudo: no password was provided\nsudo: a password is required\n')).toBe('password-required')
    expect(classifySudoFailure(1, 'havipadm is not in the sudoers file.  This incident will be reported.\n')).toBe('not-allowed')
    expect(classifySudoFailure(1, 'ls: cannot access x: No such file or directory\n')).toBeUndefined()
    expect(classifySudoFailure(2, 'Sorry, try again.')).toBeUndefined()
  })
})
