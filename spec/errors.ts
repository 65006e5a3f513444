/**
 * The error codes of the dual-channel socket protocol, as data.
 *
 * One source for the model, the harness, the reports and the docs: SPEC.md's
 * error chapter is checked against this table by spec/spec.test.ts.
 * `definite` says whether a call that failed with the code certainly had no
 * effect (Maelstrom's notion): a checker may rely on a definite error, and
 * must not on an indefinite one.
 */
export const ERROR_CODES = [
  { code: 'EBADF', definite: true, meaning: 'The descriptor is not open in this process (on either side of the dispatch boundary).' },
  { code: 'EINVAL', definite: true, meaning: 'The call does not apply to the socket in its present state (bind twice, listen on a connected socket, accept on a socket that is not listening, listen on an unbound storage-system socket, an address of the other family, an STP connect through another STG than the socket is bound in).' },
  { code: 'EADDRINUSE', definite: true, meaning: 'The port is held by another socket on that host (network) or in that STG (storage system), or no dynamic port is free for bind to port 0 or for listen\'s implicit bind.' },
  { code: 'EADDRNOTAVAIL', definite: true, meaning: 'The address does not exist: an unknown host or STG, a port outside the STG\'s range, or no dynamic port free for connect\'s implicit bind.' },
  { code: 'ECONNREFUSED', definite: true, meaning: 'Nobody listens at the address connected to, or the listener holding the request closed. The socket may connect again; an explicit bind stays, an implicit bind made by this connect is released.' },
  { code: 'ECONNRESET', definite: false, meaning: 'The connection was reset: a reset fault, a peer that closed with unread data, a crashed process recovered by the storage system.' },
  { code: 'ECONNABORTED', definite: true, meaning: 'A handshake role read end-of-stream where its peer\'s message was due.' },
  { code: 'ENOTCONN', definite: true, meaning: 'send or recv on a socket that is not connected.' },
  { code: 'EISCONN', definite: true, meaning: 'connect on a socket that is already connected, connecting, or listening.' },
  { code: 'EPIPE', definite: false, meaning: 'send on a connection whose peer is gone (closed and reset, or reset already reported).' },
  { code: 'ENOBUFS', definite: true, meaning: 'No control block is free in the control block table (storage-system socket or accept).' },
  { code: 'EIO', definite: false, meaning: 'The STG the call needs has failed.' },
  { code: 'ETIMEDOUT', definite: true, meaning: 'A connect, or a handshake step, outlived its bound in ticks.' },
  { code: 'EPROTO', definite: true, meaning: 'A handshake role received a message that is not what its step expects (wrong well-known string, wrong echoed descriptor, bad STG information, bad port).' },
  { code: 'ECANCELED', definite: false, meaning: 'The process was crashed while the call or handshake was under way.' },
  { code: 'EMFILE', definite: true, meaning: 'No descriptor is free in the range the call needs.' },
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number]['code'];

export const ERROR_CODE_NAMES = ERROR_CODES.map((entry) => entry.code) as unknown as readonly [ErrorCode, ...ErrorCode[]];

export function errorInfo(code: ErrorCode): (typeof ERROR_CODES)[number] {
  const found = ERROR_CODES.find((entry) => entry.code === code);
  if (!found) throw new Error(`unknown error code ${code}`);
  return found;
}
