/**
 * The wire protocol v1 as schemas: every request the harness sends and every
 * reply an implementation may write. PROTOCOL.md describes them in prose; its
 * JSON examples are validated against these schemas by spec/protocol.test.ts.
 *
 * The model's inputs reuse the same shapes (Op, Fault, Address…), so a call in
 * a counterexample file, on the wire and in the model is one and the same.
 */
import { z } from 'zod';
import { ERROR_CODE_NAMES } from './errors.ts';
import { WorldConfig } from './config.ts';

export const PROTOCOL_VERSION = 1;
/** The longest line either side may write, newline excluded. */
export const MAX_LINE_BYTES = 1 << 20;

const processName = z.string().min(1).max(16);
const hostName = z.string().min(1).max(16);
const fd = z.number().int().min(0).max(0x7fff_ffff);
const port = z.number().int().min(0).max(65535);
const hex = z.string().regex(/^([0-9a-f]{2})*$/, 'lower-case hex, two digits per byte');
const requestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const ErrorCode = z.enum(ERROR_CODE_NAMES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const Family = z.enum(['net', 'dss']);

export const NetAddress = z.strictObject({ host: hostName, port });
export const DssAddress = z.strictObject({ stg: z.number().int().min(0).max(0xffff_ffff), port });
export const Address = z.union([NetAddress, DssAddress]);
export type NetAddress = z.infer<typeof NetAddress>;
export type DssAddress = z.infer<typeof DssAddress>;
export type Address = z.infer<typeof Address>;

// ── socket calls ─────────────────────────────────────────────────────────
export const Op = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('socket'), family: Family }),
  /** Network: {port}. Storage system: {stg, port}. Port 0 asks for a dynamic port. */
  z.strictObject({ op: z.literal('bind'), fd, port, stg: z.number().int().min(0).max(0xffff_ffff).optional() }),
  z.strictObject({ op: z.literal('listen'), fd, backlog: z.number().int().min(1).max(64) }),
  z.strictObject({ op: z.literal('accept'), fd }),
  z.strictObject({ op: z.literal('connect'), fd, to: Address }),
  z.strictObject({ op: z.literal('send'), fd, data: hex.refine((h) => h.length >= 2, 'send needs at least one byte') }),
  z.strictObject({ op: z.literal('recv'), fd, max: z.number().int().min(1).max(1 << 16) }),
  z.strictObject({ op: z.literal('getsockname'), fd }),
  z.strictObject({ op: z.literal('close'), fd }),
]);
export type Op = z.infer<typeof Op>;
export type OpName = Op['op'];
export const OP_NAMES = ['socket', 'bind', 'listen', 'accept', 'connect', 'send', 'recv', 'getsockname', 'close'] as const;

/** The value of a successful call, by op. */
export const OpValue = z.union([
  z.strictObject({ fd }), // socket
  z.strictObject({ fd, peer: Address }), // accept
  z.strictObject({ local: Address.nullable() }), // bind, listen, connect (never null); getsockname (null = unbound)
  z.strictObject({ sent: z.number().int().min(1) }), // send
  z.strictObject({ data: hex }), // recv ("" = end-of-stream)
  z.strictObject({}), // close
]);
export type OpValue = z.infer<typeof OpValue>;

export const Outcome = z.union([
  z.strictObject({ value: OpValue }),
  z.strictObject({ error: ErrorCode }),
]);
export type Outcome = z.infer<typeof Outcome>;

// ── faults ───────────────────────────────────────────────────────────────
export const Fault = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('crash'), process: processName }),
  z.strictObject({ kind: z.literal('recover'), process: processName }),
  z.strictObject({ kind: z.literal('partition'), hosts: z.tuple([hostName, hostName]) }),
  z.strictObject({ kind: z.literal('heal'), hosts: z.tuple([hostName, hostName]) }),
  z.strictObject({ kind: z.literal('reset'), process: processName, fd }),
  z.strictObject({ kind: z.literal('stg-fail'), stg: z.number().int().min(0) }),
  z.strictObject({ kind: z.literal('stg-repair'), stg: z.number().int().min(0) }),
  z.strictObject({ kind: z.literal('cbt-reserve'), count: z.number().int().min(1).max(256) }),
  z.strictObject({ kind: z.literal('cbt-release') }),
  z.strictObject({ kind: z.literal('delay'), channel: Family, ticks: z.number().int().min(1).max(1000) }),
  z.strictObject({ kind: z.literal('undelay'), channel: Family }),
]);
export type Fault = z.infer<typeof Fault>;
export type FaultKind = Fault['kind'];

/** Capability names for faults: each names a fault and its undoing. */
export const FAULT_CAPABILITIES = {
  crash: ['crash', 'recover'],
  partition: ['partition', 'heal'],
  reset: ['reset'],
  'stg-fail': ['stg-fail', 'stg-repair'],
  'cbt-reserve': ['cbt-reserve', 'cbt-release'],
  delay: ['delay', 'undelay'],
} as const satisfies Record<string, readonly FaultKind[]>;
export type FaultCapability = keyof typeof FAULT_CAPABILITIES;
export const FAULT_CAPABILITY_NAMES = Object.keys(FAULT_CAPABILITIES) as [FaultCapability, ...FaultCapability[]];

export function capabilityOfFault(kind: FaultKind): FaultCapability {
  for (const [capability, kinds] of Object.entries(FAULT_CAPABILITIES)) {
    if ((kinds as readonly string[]).includes(kind)) return capability as FaultCapability;
  }
  throw new Error(`fault kind ${kind} has no capability`);
}

// ── handshakes ───────────────────────────────────────────────────────────
export const Role = z.enum(['fs-server', 'fs-client', 'db-server', 'db-client']);
export type Role = z.infer<typeof Role>;

export const RoleParams = z.strictObject({
  /** The peer's host: where a role that connects over the network connects to. */
  peer: hostName.optional(),
  /** The STG a server offers at 138/236. */
  stg: z.number().int().min(0).optional(),
});
export type RoleParams = z.infer<typeof RoleParams>;

const stepLabel = z.string().regex(/^[0-9]{2,3}[A-D]?$/, 'a step label such as "120" or "196A"');

export const Layout = z.strictObject({
  control: fd.optional(),
  status: fd.optional(),
  data: fd,
});
export type Layout = z.infer<typeof Layout>;

export const HandshakeOutcome = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('established'), layout: Layout }),
  z.strictObject({ status: z.literal('failed'), label: stepLabel, error: ErrorCode }),
]);
export type HandshakeOutcome = z.infer<typeof HandshakeOutcome>;

// ── inspect ──────────────────────────────────────────────────────────────
export const SocketState = z.enum(['idle', 'listening', 'connecting', 'connected', 'eof', 'reset', 'failed']);
export type SocketState = z.infer<typeof SocketState>;

export const Owner = z.union([
  z.strictObject({ process: processName, fd }),
  z.strictObject({ reserved: z.literal(true) }),
]);
export type Owner = z.infer<typeof Owner>;

export const SocketView = z.strictObject({
  fd,
  family: Family,
  state: SocketState,
  local: Address.nullable(),
  peer: Address.nullable(),
  /** Bytes received and not yet read at this end. */
  rx: z.number().int().min(0),
  /** Bytes this end sent that have not yet arrived at the peer (held by a delay or a partition). */
  inflight: z.number().int().min(0),
  /**
   * Storage-system sockets: the slot of `cbt.blocks` this socket owns. Optional, and compared
   * with nothing (slot numbers are the implementation's); it lets the harness see two sockets
   * that claim one block, which the table alone (one owner per slot) cannot show.
   */
  block: z.number().int().min(0).optional(),
});
export type SocketView = z.infer<typeof SocketView>;

export const Inspection = z.strictObject({
  now: z.number().int().min(0),
  cbt: z.strictObject({
    capacity: z.number().int().min(0),
    blocks: z.array(z.strictObject({ slot: z.number().int().min(0), owner: Owner.nullable() })),
  }),
  processes: z.array(
    z.strictObject({
      process: processName,
      host: hostName,
      alive: z.boolean(),
      sockets: z.array(SocketView),
    }),
  ),
  ports: z.strictObject({
    net: z.array(z.strictObject({ host: hostName, port, process: processName, fd })),
    dss: z.array(z.strictObject({ stg: z.number().int().min(0), port, process: processName, fd })),
  }),
});
export type Inspection = z.infer<typeof Inspection>;

// ── capabilities ─────────────────────────────────────────────────────────
export const Capabilities = z.strictObject({
  families: z.array(Family),
  handshakes: z.array(Role),
  faults: z.array(z.enum(FAULT_CAPABILITY_NAMES)),
});
export type Capabilities = z.infer<typeof Capabilities>;

// ── requests: harness → implementation ───────────────────────────────────
export const CallRequest = z.strictObject({ type: z.literal('call'), id: requestId, process: processName, call: Op });
export type CallRequest = z.infer<typeof CallRequest>;

export const Request = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), id: requestId, version: z.literal(PROTOCOL_VERSION) }),
  z.strictObject({ type: z.literal('reset'), id: requestId, config: WorldConfig }),
  CallRequest,
  z.strictObject({
    type: z.literal('batch'),
    id: requestId,
    calls: z.array(z.strictObject({ id: requestId, process: processName, call: Op })).min(1).max(32),
  }),
  z.strictObject({
    type: z.literal('handshake'),
    id: requestId,
    process: processName,
    role: Role,
    params: RoleParams,
    hold: z.array(stepLabel),
  }),
  z.strictObject({ type: z.literal('resume'), id: requestId, handshake: requestId }),
  z.strictObject({ type: z.literal('settle'), id: requestId }),
  z.strictObject({ type: z.literal('tick'), id: requestId, ticks: z.number().int().min(1).max(1000) }),
  z.strictObject({ type: z.literal('fault'), id: requestId, fault: Fault }),
  z.strictObject({ type: z.literal('inspect'), id: requestId }),
  z.strictObject({ type: z.literal('bye'), id: requestId }),
]);
export type Request = z.infer<typeof Request>;
export type RequestType = Request['type'];

// ── replies: implementation → harness ────────────────────────────────────
export const HelloReply = z.strictObject({
  type: z.literal('hello'),
  id: requestId,
  version: z.number().int(),
  name: z.string().min(1).max(64),
  capabilities: Capabilities,
});
export type HelloReply = z.infer<typeof HelloReply>;

export const Reply = z.discriminatedUnion('type', [
  HelloReply,
  /** reset, batch, resume, tick, fault and bye are acknowledged with ack. */
  z.strictObject({ type: z.literal('ack'), id: requestId }),
  z.strictObject({ type: z.literal('result'), id: requestId, outcome: Outcome }),
  z.strictObject({
    type: z.literal('event'),
    id: requestId,
    label: stepLabel,
    call: Op,
    outcome: Outcome,
  }),
  z.strictObject({ type: z.literal('held'), id: requestId, label: stepLabel }),
  z.strictObject({ type: z.literal('done'), id: requestId, outcome: HandshakeOutcome }),
  z.strictObject({ type: z.literal('settled'), id: requestId, pending: z.array(requestId) }),
  z.strictObject({ type: z.literal('inspection'), id: requestId, state: Inspection }),
  /** A request the implementation cannot carry out (an unsupported fault, a malformed request). */
  z.strictObject({ type: z.literal('error'), id: requestId, code: z.enum(['unsupported', 'bad-request']), message: z.string() }),
]);
export type Reply = z.infer<typeof Reply>;
export type ReplyType = Reply['type'];
