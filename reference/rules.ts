/**
 * The model's rules: every decision the model can make, as data.
 *
 * A requirement says what must hold; a rule is one branch of the model that
 * serves it — a numbered check of a call (SPEC.md §3.3, §4.2, §5) and the
 * outcome it gives, a fault on one kind of state, a handshake step and each
 * way a role can fail, a choice the spec leaves open. The model names the rule
 * with every decision (`ctx.touch(reqs, rule)`, `ctx.pick(n, rule)`), so the
 * report can say not only that a requirement was exercised but which of its
 * branches were, and list those that never fired: a requirement whose error
 * branch never fires is a blind spot, not a covered requirement.
 *
 * Ids are stable and readable: `<call>.<family>.<check>→<outcome>` for calls,
 * `fault.<kind>.<state>` for faults, `hs.<role>.<label>[.<way>]` for the
 * handshake roles (built from the step tables, so a step added to a table has
 * its rules at once), `pick.<what>` for open choices. A rule no default world
 * can fire says why in `unreachable`; the report does not count it as missing.
 * reference/rules.test.ts keeps this list and the model's source in step.
 */
import type { Role } from '../spec/messages.ts';
import { DEFAULT_CONFIG } from '../spec/config.ts';
import { PROGRAMS, type RoleCtx, type RoleProgram, type Step, type Vars } from './roles.ts';

export interface Rule {
  readonly id: string;
  /** The requirements the rule serves; the first names its chapter. */
  readonly reqs: readonly string[];
  /** What the model decides there, in one line. */
  readonly text: string;
  /** Why no world the generator draws can fire it; absent when one can. */
  readonly unreachable?: string;
}

function rule<const I extends string>(id: I, reqs: readonly string[], text: string, unreachable?: string): Rule & { readonly id: I } {
  return unreachable === undefined ? { id, reqs, text } : { id, reqs, text, unreachable };
}

const SHOULD_ONLY = 'fires only against an implementation that breaks the SHOULD (the report notes it as a finding)';
const STP_FDS = 'the storage-system range is 65536 descriptors wide and the control block table at most 256: ENOBUFS always comes first (SPEC.md §5.1)';
const NET_FDS =
  'the generator draws fdBoundary 64 or 1024, so a process has at least 61 network descriptors, and a plan of at most 24 steps makes at most one call per process a step: no process opens 61 sockets (a world with fdBoundary near 8 would reach it)';
const DROPPED_WITH_IT =
  'every way an end is reset or its STG fails drops what is in flight toward it, and nothing more is sent on the connection: a defensive branch';
const GIVES_UP = 'fires only against an implementation that fails at once where it may retry; the reference and the native implementation retry';

// Each call's checks in the order SPEC.md §3.3 makes them, then its outcomes.
const STATIC = [
  // ── every call ──
  rule('call.dispatch', ['DISPATCH-BY-VALUE', 'WORLD-PROCESS-ISOLATION'], 'a call naming a descriptor goes to the channel its value names, in its own process'),
  rule('call.completes-at-once', ['CLOCK-ONLY-BLOCKING-CALLS-BLOCK'], 'socket, bind, listen, getsockname or close completes without the clock'),
  rule('call.crashed→ECANCELED', ['FAULT-CRASH-TEARDOWN'], "a raw call pending when its process crashed ends with ECANCELED"),
  rule('error.definite-no-effect', ['ERR-NO-EFFECT'], 'a definite error left the world as it was'),
  rule('fd.adopted', ['DISPATCH-FD-RANGE', 'DISPATCH-FD-UNIQUE', 'DISPATCH-FD-LOWEST'], "the implementation's new descriptor is free and on its family's side of the boundary"),
  rule('fd.not-lowest', ['DISPATCH-FD-LOWEST'], 'a new descriptor is not the lowest free one', SHOULD_ONLY),
  // ── socket ──
  rule('socket.dss.cbt-full→ENOBUFS', ['CBT-EXHAUSTED-ENOBUFS'], 'socket(dss) with every control block allocated (check 1)'),
  rule('socket.net.no-fd→EMFILE', ['DISPATCH-FD-RANGE'], 'socket(net) with every network descriptor open (check 2)', NET_FDS),
  rule('socket.dss.no-fd→EMFILE', ['DISPATCH-FD-RANGE'], 'socket(dss) with every storage-system descriptor open (check 2)', STP_FDS),
  rule('socket.net→ok', ['NET-SOCKET-FRESH'], 'socket(net) returns a new unbound socket (check 3)'),
  rule('socket.dss→ok', ['CBT-ALLOC-ON-REQUEST'], 'socket(dss) allocates a control block for a new socket (check 3)'),
  // ── bind ──
  rule('bind.no-fd→EBADF', ['DISPATCH-EBADF'], 'bind on a descriptor not open in the process (check 1)'),
  rule('bind.net.stg-given→EINVAL', ['DISPATCH-BY-VALUE', 'ERR-STATE-ERRORS'], 'bind of a network socket names an STG (check 2)'),
  rule('bind.dss.stg-missing→EINVAL', ['DSS-BIND-STG-PORT', 'DISPATCH-BY-VALUE'], 'bind of a storage-system socket names no STG (check 2)'),
  rule('bind.net.bound→EINVAL', ['NET-BIND-ONCE'], 'bind of a network socket that has a local address (check 3)'),
  rule('bind.dss.bound→EINVAL', ['DSS-BIND-INUSE'], 'bind of a storage-system socket that has a local address (check 3)'),
  rule('bind.dss.stg-unknown→EADDRNOTAVAIL', ['DSS-BIND-STG-PORT'], 'bind names an STG the world does not configure (check 4)'),
  rule('bind.dss.stg-failed→EIO', ['FAULT-STG-FAIL-EIO'], 'bind in a failed STG (check 4)'),
  rule('bind.dss.port-outside→EADDRNOTAVAIL', ['DSS-BIND-STG-PORT'], "bind to a port outside the STG's range (check 4)"),
  rule('bind.net.dynamic-exhausted→EADDRINUSE', ['NET-BIND-DYNAMIC'], 'bind to port 0 with no dynamic network port free (check 5)'),
  rule('bind.dss.dynamic-exhausted→EADDRINUSE', ['DSS-BIND-DYNAMIC'], "bind to port 0 with no port of the STG free (check 5)"),
  rule('bind.net.dynamic→ok', ['NET-BIND-DYNAMIC'], 'bind to port 0 takes a free dynamic network port (check 5)'),
  rule('bind.dss.dynamic→ok', ['DSS-BIND-DYNAMIC'], 'bind to port 0 takes a free port of the STG (check 5)'),
  rule('bind.net.port-held→EADDRINUSE', ['NET-BIND-INUSE'], 'bind to a network port another socket holds (check 6)'),
  rule('bind.dss.port-held→EADDRINUSE', ['DSS-BIND-INUSE'], 'bind to an STP port another socket holds (check 6)'),
  rule('bind.net.shared-by-accepted', ['NET-BIND-INUSE', 'NET-BIND-EXPLICIT'], 'bind to a network port only sockets accepted from a closed listener use: allowed (§3.4)'),
  rule('session.beside-established', ['HS-SESSIONS'], 'a role ends established on a host where another session holds connections on the WKP (§13.30)'),
  rule('bind.dss.shared-by-accepted', ['DSS-BIND-INUSE', 'DSS-BIND-STG-PORT'], 'bind to an STP port only sockets accepted from a closed listener use: allowed (§3.4)'),
  rule('bind.net.explicit→ok', ['NET-BIND-EXPLICIT'], 'bind to a free network port (check 7)'),
  rule('bind.dss.explicit→ok', ['DSS-BIND-STG-PORT'], 'bind to a free port of the STG (check 7)'),
  rule('bind.dss.stg-shared', ['STG-PORTS-PER-STG'], 'a second socket takes a port of an STG that already has one bound'),
  // ── listen ──
  rule('listen.no-fd→EBADF', ['DISPATCH-EBADF'], 'listen on a descriptor not open in the process (check 1)'),
  rule('listen.net.connected→EINVAL', ['ERR-STATE-ERRORS'], 'listen on a connected or connecting network socket (check 2)'),
  rule('listen.dss.connected→EINVAL', ['ERR-STATE-ERRORS'], 'listen on a connected or connecting storage-system socket (check 2)'),
  rule('listen.dss.unbound→EINVAL', ['DSS-LISTEN-NEEDS-BIND'], 'listen on an unbound storage-system socket (check 3)'),
  rule('listen.dss.stg-failed→EIO', ['FAULT-STG-FAIL-EIO'], "listen in a failed STG (check 3)"),
  rule('listen.net.implicit-exhausted→EADDRINUSE', ['NET-LISTEN-QUEUE'], 'listen on an unbound network socket with no dynamic port free (check 3)'),
  rule('listen.net.implicit-bind', ['NET-LISTEN-QUEUE'], 'listen binds an unbound network socket to a dynamic port (check 3)'),
  rule('listen.net→ok', ['NET-LISTEN-QUEUE'], 'a network socket starts listening (check 4)'),
  rule('listen.dss→ok', ['DSS-CONNECT'], 'a storage-system socket starts listening (check 4)'),
  rule('listen.net.again→ok', ['NET-LISTEN-QUEUE'], 'listen on a listening network socket sets the new backlog (check 4)'),
  rule('listen.dss.again→ok', ['DSS-CONNECT'], 'listen on a listening storage-system socket sets the new backlog (check 4)'),
  // ── accept ──
  rule('accept.no-fd→EBADF', ['DISPATCH-EBADF'], 'accept on a descriptor not open in the process (check 1)'),
  rule('accept.net.not-listening→EINVAL', ['ERR-STATE-ERRORS'], 'accept on a network socket that does not listen (check 2)'),
  rule('accept.dss.not-listening→EINVAL', ['ERR-STATE-ERRORS'], 'accept on a storage-system socket that does not listen (check 2)'),
  rule('accept.dss.cbt-full→ENOBUFS', ['CBT-EXHAUSTED-ENOBUFS'], 'accept with every control block allocated; the connection stays queued (check 4)'),
  rule('accept.net.no-fd→EMFILE', ['DISPATCH-FD-RANGE'], 'accept with every network descriptor open; the connection stays queued (check 5)', NET_FDS),
  rule('accept.dss.no-fd→EMFILE', ['DISPATCH-FD-RANGE'], 'accept with every storage-system descriptor open (check 5)', STP_FDS),
  rule('accept.net→ok', ['NET-ACCEPT-FIFO'], 'accept takes the oldest queued network connection (check 6)'),
  rule('accept.dss→ok', ['DSS-ACCEPT'], 'accept takes the oldest queued STP connection, with a control block of its own (check 6)'),
  // ── connect ──
  rule('connect.no-fd→EBADF', ['DISPATCH-EBADF'], 'connect on a descriptor not open in the process (check 1)'),
  rule('connect.net.busy→EISCONN', ['ERR-STATE-ERRORS'], 'connect on a listening, connecting or connected network socket (check 2)'),
  rule('connect.dss.busy→EISCONN', ['ERR-STATE-ERRORS'], 'connect on a listening, connecting or connected storage-system socket (check 2)'),
  rule('connect.net.to-dss→EINVAL', ['DISPATCH-BY-VALUE', 'ERR-STATE-ERRORS'], 'connect of a network socket to an STP address (check 3)'),
  rule('connect.dss.to-net→EINVAL', ['DISPATCH-BY-VALUE', 'ERR-STATE-ERRORS'], 'connect of a storage-system socket to a network address (check 3)'),
  rule('connect.net.host-unknown→EADDRNOTAVAIL', ['ERR-STATE-ERRORS'], 'connect to a host the world does not configure (check 4)'),
  rule('connect.dss.stg-unknown→EADDRNOTAVAIL', ['DSS-CONNECT'], 'connect to an STG the world does not configure (check 4)'),
  rule('connect.dss.other-stg→EINVAL', ['DSS-CONNECT'], 'connect of a socket bound in another STG (check 4)'),
  rule('connect.dss.stg-failed→EIO', ['FAULT-STG-FAIL-EIO'], 'connect into a failed STG (check 4)'),
  rule('connect.net.implicit-exhausted→EADDRNOTAVAIL', ['NET-CONNECT-AUTOBIND'], 'connect of an unbound network socket with no dynamic port free (check 5)'),
  rule('connect.dss.implicit-exhausted→EADDRNOTAVAIL', ['DSS-CONNECT'], 'connect of an unbound storage-system socket with no port of the STG free (check 5)'),
  rule('connect.net.implicit-bind', ['NET-CONNECT-AUTOBIND'], 'connect binds an unbound network socket to a dynamic port (check 5)'),
  rule('connect.dss.implicit-bind', ['DSS-CONNECT'], 'connect binds an unbound storage-system socket to a port of the STG (check 5)'),
  rule('connect.net.refused→ECONNREFUSED', ['NET-CONNECT-REFUSED'], 'the request reaches an address where nobody listens (check 6)'),
  rule('connect.dss.refused→ECONNREFUSED', ['DSS-CONNECT'], 'the STP request reaches a port where nobody listens (check 6)'),
  rule('connect.net.queued→ok', ['NET-CONNECT-QUEUES', 'NET-CONNECT-NETWORK-ONLY'], 'the request is queued at the listener and connect completes (check 6)'),
  rule('connect.dss.queued→ok', ['DSS-CONNECT', 'DSS-STORAGE-ONLY'], 'the STP request is queued at the listener and connect completes (check 6)'),
  rule('connect.dss.cross-host', ['WORLD-SHARED-STORAGE', 'DSS-STORAGE-ONLY'], 'an STP connection joins sockets on two hosts through the shared storage'),
  rule('connect.net.held', ['NET-CONNECT-QUEUE-FULL', 'NET-LISTEN-QUEUE'], "the request finds the network listener's queue full and waits (check 6)"),
  rule('connect.dss.held', ['NET-CONNECT-QUEUE-FULL', 'NET-LISTEN-QUEUE'], "the STP request finds the listener's queue full and waits (check 6)"),
  rule('connect.held-admitted', ['NET-CONNECT-QUEUE-FULL'], 'an accept made room and a held request is queued (check 6)'),
  rule('connect.net.listener-closed→ECONNREFUSED', ['DATA-LISTENER-CLOSE-RESETS'], 'the network listener holding the request closed (check 6)'),
  rule('connect.dss.listener-closed→ECONNREFUSED', ['DATA-LISTENER-CLOSE-RESETS'], 'the STP listener holding the request closed (check 6)'),
  rule(
    'connect.net.listener-recovered→ECONNREFUSED',
    ['FAULT-RECOVER-RECLAIMS'],
    'the network listener holding the request belonged to a crashed process, now recovered',
    "a crash closes its process's network sockets at once (SPEC.md §10.1): recovery finds only storage-system sockets",
  ),
  rule('connect.dss.listener-recovered→ECONNREFUSED', ['FAULT-RECOVER-RECLAIMS'], 'the STP listener holding the request belonged to a crashed process, now recovered'),
  rule('connect.net.timeout→ETIMEDOUT', ['CLOCK-CONNECT-TIMEOUT'], 'a network connect still pending connectTimeout ticks after it was issued (check 7)'),
  rule('connect.dss.timeout→ETIMEDOUT', ['CLOCK-CONNECT-TIMEOUT'], 'an STP connect still pending connectTimeout ticks after it was issued (check 7)'),
  rule('connect.dss.stg-failed-pending→EIO', ['FAULT-STG-FAIL-EIO'], 'the STG of a pending STP connect failed (check 7)'),
  // ── send ──
  rule('send.no-fd→EBADF', ['DISPATCH-EBADF'], 'send on a descriptor not open in the process (check 1)'),
  rule('send.net.unconnected→ENOTCONN', ['ERR-STATE-ERRORS'], 'send on an unconnected network socket; EPIPE allowed too (check 2)'),
  rule('send.dss.unconnected→ENOTCONN', ['ERR-STATE-ERRORS'], 'send on an unconnected storage-system socket (check 2)'),
  rule('send.dss.stg-failed→EIO', ['FAULT-STG-FAIL-EIO'], "send on a connection whose STG failed (check 3)"),
  rule('send.net.reset→ECONNRESET', ['FAULT-RESET', 'NET-CLOSE-UNREAD-RESETS', 'DATA-LISTENER-CLOSE-RESETS', 'FAULT-RECOVER-RECLAIMS'], 'send after a reset reached the network end, reported once (check 4)'),
  rule('send.net.reset-after-eof→EPIPE', ['NET-SEND-AFTER-PEER-CLOSE'], "send after the peer's host answered bytes sent past its close with a reset (check 4)"),
  rule('send.dss.reset→ECONNRESET', ['FAULT-RESET', 'DATA-LISTENER-CLOSE-RESETS', 'FAULT-RECOVER-RECLAIMS'], 'send after a reset reached the STP end, reported once (check 4)'),
  rule('send.net.reset-reported→EPIPE', ['FAULT-RESET', 'NET-CLOSE-UNREAD-RESETS', 'NET-SEND-AFTER-PEER-CLOSE'], 'send on a network connection whose reset was reported (check 5)'),
  rule('send.dss.reset-reported→EPIPE', ['FAULT-RESET', 'DATA-LISTENER-CLOSE-RESETS', 'FAULT-RECOVER-RECLAIMS'], 'send on an STP connection whose reset was reported (check 5)'),
  rule('send.dss.peer-closed→EPIPE', ['DSS-CLOSE-GRACEFUL'], "send after the STP peer's end-of-stream arrived (check 6)"),
  rule('send.net→ok', ['DATA-SEND-COMPLETE'], 'a network send completes at once (check 7)'),
  rule('send.net.after-peer-close→ok', ['NET-SEND-AFTER-PEER-CLOSE'], 'the first network send after the peer closed succeeds (check 7)'),
  rule('send.dss→ok', ['STG-BACKPRESSURE', 'DATA-SEND-COMPLETE'], 'an STP send completes once all its bytes are in the STG buffer (check 7)'),
  rule('send.dss.blocked', ['STG-BACKPRESSURE'], 'an STP send finds the buffer full and waits for room (check 7)'),
  rule('send.dss.blocked-peer-closed→EPIPE', ['DSS-CLOSE-GRACEFUL'], "the peer's end-of-stream reached a blocked STP send"),
  rule('send.dss.blocked-stg-failed→EIO', ['FAULT-STG-FAIL-EIO'], 'the STG of a blocked STP send failed'),
  rule('send.dss.blocked-reset→ECONNRESET', ['FAULT-RESET', 'DATA-LISTENER-CLOSE-RESETS', 'FAULT-RECOVER-RECLAIMS'], 'a reset reached a blocked STP send'),
  // ── recv ──
  rule('recv.no-fd→EBADF', ['DISPATCH-EBADF'], 'recv on a descriptor not open in the process (check 1)'),
  rule('recv.net.unconnected→ENOTCONN', ['ERR-STATE-ERRORS'], 'recv on an unconnected network socket (check 2)'),
  rule('recv.dss.unconnected→ENOTCONN', ['ERR-STATE-ERRORS'], 'recv on an unconnected storage-system socket (check 2)'),
  rule('recv.dss.stg-failed→EIO', ['FAULT-STG-FAIL-EIO'], 'recv on a connection whose STG failed (check 3)'),
  rule('recv.net.data', ['DATA-RECV-NONEMPTY-PREFIX', 'DATA-PREFIX-IN-ORDER', 'DATA-NO-CROSSTALK', 'DATA-RECV-GREEDY'], 'recv returns a prefix of the readable network bytes (check 5)'),
  rule('recv.dss.data', ['DATA-RECV-NONEMPTY-PREFIX', 'DATA-PREFIX-IN-ORDER', 'DATA-NO-CROSSTALK', 'DATA-RECV-GREEDY', 'STG-BUFFER-PER-DIRECTION'], 'recv returns a prefix of the readable STP bytes and frees their room (check 5)'),
  rule('recv.fewer-than-readable', ['DATA-RECV-GREEDY'], 'recv returned fewer bytes than were readable and asked for', SHOULD_ONLY),
  rule('recv.net.eof→""', ['DATA-EOF-AFTER-DATA'], 'recv after every byte was read and the network peer closed (check 6)'),
  rule('recv.dss.eof→""', ['DATA-EOF-AFTER-DATA', 'DSS-CLOSE-GRACEFUL'], 'recv after every byte was read and the STP peer closed (check 6)'),
  rule('recv.net.reset→ECONNRESET', ['FAULT-RESET', 'NET-CLOSE-UNREAD-RESETS', 'DATA-LISTENER-CLOSE-RESETS', 'FAULT-RECOVER-RECLAIMS'], 'recv after a reset reached the network end, reported once (check 7)'),
  rule('recv.dss.reset→ECONNRESET', ['FAULT-RESET', 'DATA-LISTENER-CLOSE-RESETS', 'FAULT-RECOVER-RECLAIMS'], 'recv after a reset reached the STP end, reported once (check 7)'),
  rule('recv.net.reset-reported→""', ['FAULT-RESET', 'NET-CLOSE-UNREAD-RESETS', 'DATA-LISTENER-CLOSE-RESETS', 'FAULT-RECOVER-RECLAIMS'], 'recv on a network connection whose reset was reported (check 8)'),
  rule('recv.dss.reset-reported→""', ['FAULT-RESET', 'DATA-LISTENER-CLOSE-RESETS', 'FAULT-RECOVER-RECLAIMS'], 'recv on an STP connection whose reset was reported (check 8)'),
  // ── getsockname ──
  rule('getsockname.no-fd→EBADF', ['DISPATCH-EBADF'], 'getsockname on a descriptor not open in the process (check 1)'),
  rule('getsockname.net.bound→ok', ['NET-GETSOCKNAME'], 'getsockname of a bound network socket (check 2)'),
  rule('getsockname.net.unbound→ok', ['NET-GETSOCKNAME'], 'getsockname of an unbound network socket: no address (check 2)'),
  rule('getsockname.dss.bound→ok', ['DSS-GETSOCKNAME'], 'getsockname of a bound storage-system socket (check 2)'),
  rule('getsockname.dss.unbound→ok', ['DSS-SOCKET-UNBOUND', 'DSS-GETSOCKNAME'], 'getsockname of an unbound storage-system socket: no address (check 2)'),
  // ── close ──
  rule('close.no-fd→EBADF', ['DISPATCH-EBADF'], 'close on a descriptor not open in the process (check 1)'),
  rule('close.net→ok', ['NET-CLOSE-FREES-PORT'], 'close of a network socket succeeds and frees its descriptor (check 2)'),
  rule('close.dss→ok', ['CBT-FREE-ON-CLOSE'], 'close of a storage-system socket frees its descriptor and control block (check 2)'),
  rule('close.net.listener-resets-queue', ['DATA-LISTENER-CLOSE-RESETS'], 'a closing network listener resets its queue and refuses what it held'),
  rule('close.dss.listener-resets-queue', ['DATA-LISTENER-CLOSE-RESETS'], 'a closing STP listener resets its queue and refuses what it held'),
  rule('close.net.unread→reset', ['NET-CLOSE-UNREAD-RESETS'], 'a network socket closed with unread bytes resets the connection'),
  rule('close.net.fin', ['DATA-EOF-AFTER-DATA'], 'a connected network socket closed with nothing unread ends its stream'),
  rule('close.dss.fin', ['DSS-CLOSE-GRACEFUL'], 'a connected storage-system socket closed with nothing unread ends its stream'),
  rule('close.dss.unread-discarded', ['DSS-CLOSE-GRACEFUL', 'STG-BACKPRESSURE'], 'a storage-system socket closed with unread bytes ends its stream and frees their room'),
  rule('close.after-reset', ['FAULT-RESET', 'FAULT-STG-FAIL-EIO'], 'a socket whose connection was reset or whose STG failed closes and sends nothing'),
  // ── the channels ──
  rule('transmit.net.partitioned', ['FAULT-PARTITION-HOLDS'], 'a network transmission waits: its hosts are partitioned'),
  rule('transmit.net.delayed', ['FAULT-DELAY-CHANNEL'], 'a network transmission waits: the channel is delayed'),
  rule('transmit.dss.delayed', ['FAULT-DELAY-CHANNEL', 'DSS-STORAGE-ONLY'], 'a storage-system transmission waits: the channel is delayed'),
  rule('transmit.behind', ['DATA-PREFIX-IN-ORDER'], 'a transmission waits behind an earlier one of its lane'),
  rule('deliver.net.late', ['FAULT-HEAL-DELIVERS', 'FAULT-DELAY-CHANNEL'], 'a held network transmission arrives (its time came, or the partition healed)'),
  rule('deliver.dss.late', ['FAULT-DELAY-CHANNEL'], 'a held storage-system transmission arrives'),
  rule('arrive.net.data', ['DATA-PREFIX-IN-ORDER'], 'network bytes land in the receiving end'),
  rule('arrive.dss.data', ['DATA-PREFIX-IN-ORDER', 'STG-BUFFER-PER-DIRECTION'], 'STP bytes land in the receiving end'),
  rule('arrive.net.data-at-closed→reset', ['NET-SEND-AFTER-PEER-CLOSE'], "bytes reach a closed network socket, whose host answers with a reset"),
  rule('arrive.dss.data-at-closed-dropped', ['DSS-CLOSE-GRACEFUL', 'STG-BACKPRESSURE'], 'bytes reach a closed STP socket and are dropped, freeing their room'),
  rule('arrive.data-at-broken-dropped', ['FAULT-RESET', 'FAULT-STG-FAIL-EIO'], 'bytes reach an end that was reset or whose STG failed, and are dropped', DROPPED_WITH_IT),
  rule('arrive.net.fin', ['DATA-EOF-AFTER-DATA'], 'a network end-of-stream arrives'),
  rule('arrive.dss.fin', ['DSS-CLOSE-GRACEFUL'], 'an STP end-of-stream arrives'),
  rule('arrive.net.rst', ['NET-CLOSE-UNREAD-RESETS', 'NET-SEND-AFTER-PEER-CLOSE'], 'a network reset arrives before any end-of-stream'),
  rule('arrive.net.rst-after-eof', ['NET-SEND-AFTER-PEER-CLOSE'], 'a network reset arrives after the end-of-stream (surfaces as EPIPE)'),
  // ── the clock ──
  rule('clock.tick', ['CLOCK-TICKS-ONLY'], 'the clock advances one tick'),
  // ── faults, by kind and by the state they meet ──
  rule('fault.crash', ['FAULT-CRASH-TEARDOWN'], 'a process crashes'),
  rule('fault.crash.pending-connect', ['FAULT-CRASH-TEARDOWN'], 'a crash ends a pending connect and releases its implicit bind'),
  rule('fault.crash.pending-call', ['FAULT-CRASH-TEARDOWN'], 'a crash ends a pending raw call'),
  rule('fault.crash.role-call', ['FAULT-CRASH-TEARDOWN'], "a crash drops a handshake role's pending call"),
  rule('fault.crash.net-socket', ['FAULT-CRASH-TEARDOWN', 'NET-CLOSE-FREES-PORT'], "the operating system closes a crashed process's network socket"),
  rule('fault.crash.dss-socket', ['FAULT-CRASH-TEARDOWN', 'FAULT-NO-LEAK'], "a crashed process's STP socket keeps its control block until recovery"),
  rule('fault.recover', ['FAULT-RECOVER-RECLAIMS'], 'a crashed process is recovered'),
  rule('fault.recover.socket', ['FAULT-RECOVER-RECLAIMS', 'FAULT-NO-LEAK'], "recovery frees a dead process's STP socket and its control block"),
  rule('fault.recover.listener', ['FAULT-RECOVER-RECLAIMS'], "recovery resets the queue of a dead process's STP listener"),
  rule('fault.recover.connection', ['FAULT-RECOVER-RECLAIMS'], "recovery resets the peer of a dead process's STP connection"),
  rule('fault.partition', ['FAULT-PARTITION-HOLDS'], 'two hosts are partitioned'),
  rule('fault.partition.again', ['FAULT-PARTITION-HOLDS'], 'a partition of hosts already partitioned changes nothing'),
  rule('fault.heal', ['FAULT-HEAL-DELIVERS'], 'a partition heals'),
  rule('fault.heal.not-partitioned', ['FAULT-HEAL-DELIVERS'], 'a heal of hosts that were not partitioned changes nothing'),
  rule('fault.reset', ['FAULT-RESET'], 'a connection is reset'),
  rule('fault.reset.drops-in-flight', ['FAULT-RESET'], 'a reset drops what was in flight on the connection'),
  rule('fault.stg-fail', ['FAULT-STG-FAIL-EIO'], 'an STG fails'),
  rule('fault.stg-fail.connection', ['FAULT-STG-FAIL-EIO'], 'an STG failure breaks a connection through it'),
  rule('fault.stg-fail.pending-connect', ['FAULT-STG-FAIL-EIO'], 'an STG failure ends a connect pending through it'),
  rule('fault.stg-fail.again', ['FAULT-STG-FAIL-EIO'], 'a failure of an STG that has already failed'),
  rule('fault.stg-repair', ['FAULT-STG-FAIL-EIO'], 'an STG is repaired'),
  rule('fault.stg-repair.was-failed', ['FAULT-STG-FAIL-EIO'], 'a failed STG works again'),
  rule('fault.cbt-reserve', ['FAULT-CBT-RESERVE'], 'free control blocks are reserved'),
  rule('fault.cbt-reserve.fills-table', ['FAULT-CBT-RESERVE', 'CBT-EXHAUSTED-ENOBUFS'], 'the reservation takes the last free control block'),
  rule('fault.cbt-release', ['FAULT-CBT-RESERVE'], 'reserved control blocks are released'),
  rule('fault.cbt-release.frees', ['FAULT-CBT-RESERVE', 'CBT-CONSERVATION'], 'the release frees reserved control blocks'),
  rule('fault.delay', ['FAULT-DELAY-CHANNEL'], 'a channel is delayed'),
  rule('fault.delay.net', ['FAULT-DELAY-CHANNEL'], 'the network channel is delayed by some ticks'),
  rule('fault.delay.dss', ['FAULT-DELAY-CHANNEL', 'DSS-STORAGE-ONLY'], 'the storage channel is delayed by some ticks'),
  rule('fault.undelay', ['FAULT-DELAY-CHANNEL'], 'a channel delay ends'),
  // ── choices the spec leaves open ──
  rule('pick.backlog-plus-one', ['NET-LISTEN-QUEUE'], "whether a queue holding backlog connections admits one more"),
  rule('pick.held-backlog-plus-one', ['NET-LISTEN-QUEUE', 'NET-CONNECT-QUEUE-FULL'], 'whether a held request is admitted to a queue holding backlog connections'),
  rule('pick.held-which', ['NET-CONNECT-QUEUE-FULL'], 'which of several held requests an accept lets in'),
  rule('pick.dynamic-port', ['NET-CONNECT-AUTOBIND', 'DSS-CONNECT'], 'which free dynamic port a connect still pending took'),
  rule('pick.role-step', ['HS-STEP-ORDER', 'HS-FS-PARALLEL'], 'which of the steps a role may make next it makes, before its event says'),
  rule('pick.role-retry', ['HS-CONNECT-RETRY'], 'whether a role retries a refused connect where retrying is allowed, not required'),
] as const;

export type StaticRuleId = (typeof STATIC)[number]['id'];

// ── the handshake roles' rules, from their step tables ──────────────────

/** The ways a role's step or the role itself can go, beyond the step's plain success. */
export type HsWay =
  | 'partial'
  | 'rejected'
  | 'refused'
  | 'held'
  | 'established'
  | 'failed'
  | 'released'
  | 'call-failed'
  | 'eof'
  | 'retry-exhausted'
  | 'gave-up'
  | 'timeout'
  | 'crashed';
export type HsRuleId = `hs.${Role}.${string}`;
export type RuleId = StaticRuleId | HsRuleId;

/** A step's success (`way` absent), one way of a step, or one way of the whole role. */
export function hsRule(role: Role, label: string | null, way?: HsWay): HsRuleId {
  return `hs.${role}.${[label, way].filter((part) => part !== null && part !== undefined).join('.')}`;
}

const WHOLE: readonly { way: HsWay; reqs: readonly string[]; text: string }[] = [
  { way: 'held', reqs: ['HS-HOLD-RESUME'], text: 'is held before a step and resumed' },
  { way: 'established', reqs: ['HS-ESTABLISHED-LAYOUT'], text: 'ends established, with its layout' },
  { way: 'failed', reqs: ['HS-FAIL-RELEASES'], text: 'ends failed at a step' },
  { way: 'released', reqs: ['HS-FAIL-RELEASES', 'FAULT-NO-LEAK'], text: 'fails and closes the descriptors it opened' },
  { way: 'call-failed', reqs: ['HS-PEER-GONE'], text: "fails because a step's call failed" },
  { way: 'eof', reqs: ['HS-PEER-GONE'], text: "fails at end-of-stream where a message was due" },
  { way: 'retry-exhausted', reqs: ['HS-CONNECT-RETRY'], text: 'fails after its connect was refused for stepTimeout ticks' },
  { way: 'timeout', reqs: ['HS-STEP-TIMEOUT'], text: 'fails with ETIMEDOUT: a step waited stepTimeout ticks' },
  { way: 'crashed', reqs: ['FAULT-CRASH-TEARDOWN', 'HS-FAULT-FAILS-AT-STEP'], text: 'ends with ECANCELED: its process crashed' },
];

/** Role steps whose message check accepts every value, so nothing can be rejected there. */
const ACCEPTS_ALL: ReadonlySet<string> = new Set([hsRule('fs-server', '92', 'rejected')]);

const WHOLE_MESSAGES =
  'the reference sends and reads each handshake message whole: a step makes a second call only against an implementation that moves a message in parts';

/** A world to make any step's call in: the kind of call a step makes never depends on the values. */
const ANY_WORLD: RoleCtx = { config: DEFAULT_CONFIG, params: { peer: DEFAULT_CONFIG.hosts[0]!.name, stg: DEFAULT_CONFIG.stgs[0]!.id }, now: 0 };

/** Does the step send a message (which a role may send in parts)? */
function sends(step: Step): boolean {
  if (step.kind !== 'call') return false;
  const anyValue = new Proxy({}, { get: () => 1 }) as Vars;
  return step.op(anyValue, ANY_WORLD).op === 'send';
}

function roleRules(program: RoleProgram): Rule[] {
  const role = program.role;
  const rules: Rule[] = [];
  for (const step of program.steps) {
    rules.push({ id: hsRule(role, step.label), reqs: [...step.reqs, 'HS-STEP-ORDER'], text: `${role} step ${step.label}: its call succeeds and the role moves on` });
    if (step.kind === 'recv' || sends(step)) {
      const text = `${role} step ${step.label}: part of the message ${step.kind === 'recv' ? 'arrived; the role reads' : 'went; the role sends'} the rest`;
      rules.push({ id: hsRule(role, step.label, 'partial'), reqs: step.kind === 'recv' ? ['HS-RECV-EXACT'] : ['HS-PAYLOAD-ENCODING'], text, unreachable: WHOLE_MESSAGES });
    }
    if (step.kind === 'recv') {
      const rejected = hsRule(role, step.label, 'rejected');
      rules.push(
        ACCEPTS_ALL.has(rejected)
          ? { id: rejected, reqs: step.reqs, text: `${role} step ${step.label}: the message fails its check`, unreachable: `step ${step.label} takes any value: its check rejects nothing` }
          : { id: rejected, reqs: step.reqs, text: `${role} step ${step.label}: the message fails its check (EPROTO)` },
      );
    }
    if (step.kind === 'call' && step.retry) {
      rules.push({ id: hsRule(role, step.label, 'refused'), reqs: ['HS-CONNECT-RETRY', ...step.reqs], text: `${role} step ${step.label}: the connect is refused and retried a tick later` });
    }
    if (step.kind === 'call' && step.retry === 'may') {
      const text = `${role} step ${step.label}: the connect is refused and the role fails at once, as it may there`;
      rules.push({ id: hsRule(role, step.label, 'gave-up'), reqs: ['HS-CONNECT-RETRY', ...step.reqs], text, unreachable: GIVES_UP });
    }
  }
  // A role that never connects can neither be refused for good nor give up.
  const connects = program.steps.some((step) => step.kind === 'call' && step.retry);
  for (const whole of WHOLE) {
    if (whole.way === 'retry-exhausted' && !connects) continue;
    rules.push({ id: hsRule(role, null, whole.way), reqs: whole.reqs, text: `${role} ${whole.text}` });
  }
  return rules;
}

/** Every rule of the model, static and per role; ids are unique. */
export const RULES: readonly Rule[] = [...STATIC, ...Object.values(PROGRAMS).flatMap(roleRules)];

export const RULE_IDS: ReadonlySet<string> = new Set(RULES.map((r) => r.id));

/** The rules a requirement is served by, in list order. */
export function rulesOf(req: string): Rule[] {
  return RULES.filter((r) => r.reqs.includes(req));
}
