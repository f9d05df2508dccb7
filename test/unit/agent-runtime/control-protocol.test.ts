import { describe, expect, it } from 'vitest'
import { LineSplitter, parseRequest } from '../../../agent/control/protocol'
import { table } from '../../../agent/control/format'
import { encodeEchoRequest, parseEchoReply } from '../../../agent/net/icmp-probe'
import { internetChecksum } from '../../../agent/vrrp/ipv4'

describe('control protocol', () => {
  it('parses valid requests', () => {
    expect(parseRequest('{"cmd":"status"}')).toEqual({ cmd: 'status', id: undefined, instance: undefined })
    expect(parseRequest('{"id":7,"cmd":"takeover","instance":"VI_1"}')).toEqual({ id: 7, cmd: 'takeover', instance: 'VI_1' })
  })

  it('rejects bad requests with a message saying what to send', () => {
    expect(() => parseRequest('status')).toThrow(/not valid JSON.*\{"cmd":"status"\}/)
    expect(() => parseRequest('[1]')).toThrow(/JSON object/)
    expect(() => parseRequest('{"cmd":"reboot"}')).toThrow(/unknown command "reboot"; use one of status, watch/)
    expect(() => parseRequest('{"cmd":"takeover","instance":5}')).toThrow(/"instance" must be a string/)
  })

  it('splits lines across chunks and bounds line length', () => {
    const lines: string[] = []
    const s = new LineSplitter((l) => lines.push(l), 16)
    s.push('{"a":')
    s.push('1}\n\n{"b":2}\n{"c"')
    expect(lines).toEqual(['{"a":1}', '{"b":2}'])
    expect(() => s.push('x'.repeat(40))).toThrow(/longer than 16/)
  })

  it('formats aligned tables', () => {
    expect(table([['A', 'BB', 'C'], ['ccc', 'd', 'e']])).toBe('A    BB  C\nccc  d   e')
  })
})

describe('ICMP echo codec', () => {
  it('encodes a request with a valid checksum and parses a reply inside an IPv4 header', () => {
    const req = encodeEchoRequest(0x1234, 70000, Buffer.from('abcd'))
    expect(req[0]).toBe(8)
    expect(internetChecksum(req)).toBe(0) // a correct checksum makes the sum over the message 0
    expect(req.readUInt16BE(6)).toBe(70000 & 0xffff)
    const ip = Buffer.alloc(20)
    ip[0] = 0x45
    Buffer.from([198, 51, 100, 200]).copy(ip, 12)
    const reply = Buffer.from(req)
    reply[0] = 0
    expect(parseEchoReply(Buffer.concat([ip, reply]))).toEqual({ src: '198.51.100.200', id: 0x1234, seq: 70000 & 0xffff })
    expect(parseEchoReply(Buffer.concat([ip, req]))).toBeUndefined() // a request is not a reply
    expect(parseEchoReply(ip)).toBeUndefined()
  })
})
