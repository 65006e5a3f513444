/**
 * Terse, log-like descriptions of calls, outcomes and emissions, so that a
 * counterexample reads like `C:socket(dss)->1024  S:connect(3,cli:7000)->ECONNREFUSED`.
 */
import { match } from 'ts-pattern';
import type { Address, Fault, HandshakeOutcome, Op, Outcome } from '../spec/messages.ts';
import { hexToBytes, showBytes } from '../spec/bytes.ts';
import type { Emission } from './context.ts';

export function describeAddress(address: Address | null | undefined): string {
  if (!address) return '-';
  return 'host' in address ? `${address.host}:${address.port}` : `stg${address.stg}:${address.port}`;
}

export function describeOp(op: Op): string {
  return match(op)
    .with({ op: 'socket' }, (o) => `socket(${o.family})`)
    .with({ op: 'bind' }, (o) => `bind(${o.fd},${o.stg === undefined ? o.port : `stg${o.stg}:${o.port}`})`)
    .with({ op: 'listen' }, (o) => `listen(${o.fd},${o.backlog})`)
    .with({ op: 'accept' }, (o) => `accept(${o.fd})`)
    .with({ op: 'connect' }, (o) => `connect(${o.fd},${describeAddress(o.to)})`)
    .with({ op: 'send' }, (o) => `send(${o.fd},${showBytes(hexToBytes(o.data))})`)
    .with({ op: 'recv' }, (o) => `recv(${o.fd},${o.max})`)
    .with({ op: 'getsockname' }, (o) => `getsockname(${o.fd})`)
    .with({ op: 'close' }, (o) => `close(${o.fd})`)
    .exhaustive();
}

export function describeOutcome(outcome: Outcome | undefined): string {
  if (!outcome) return '…';
  if ('error' in outcome) return outcome.error;
  const value = outcome.value as Record<string, unknown>;
  if ('peer' in value) return `${value.fd as number} from ${describeAddress(value.peer as Address)}`;
  if ('fd' in value) return String(value.fd);
  if ('local' in value) return value.local === null ? 'unbound' : describeAddress(value.local as Address);
  if ('sent' in value) return String(value.sent);
  if ('data' in value) return value.data === '' ? 'EOF' : showBytes(hexToBytes(value.data as string));
  return 'ok';
}

export function describeCall(proc: string, op: Op, outcome?: Outcome): string {
  return `${proc}:${describeOp(op)}->${describeOutcome(outcome)}`;
}

export function describeHandshakeOutcome(outcome: HandshakeOutcome): string {
  if (outcome.status === 'failed') return `failed@${outcome.label} ${outcome.error}`;
  const parts = Object.entries(outcome.layout).map(([k, v]) => `${k}=${v as number}`);
  return `established{${parts.join(',')}}`;
}

export function describeEmission(emission: Emission): string {
  return match(emission)
    .with({ type: 'result' }, (e) => describeCall(e.proc, e.op, e.outcome))
    .with({ type: 'event' }, (e) => `${e.proc}[${e.label}]:${describeOp(e.op)}->${describeOutcome(e.outcome)}`)
    .with({ type: 'held' }, (e) => `${e.proc}[${e.label}]:held`)
    .with({ type: 'done' }, (e) => `${e.proc}:done ${describeHandshakeOutcome(e.outcome)}`)
    .exhaustive();
}

export function describeFault(fault: Fault): string {
  return match(fault)
    .with({ kind: 'crash' }, (f) => `crash(${f.process})`)
    .with({ kind: 'recover' }, (f) => `recover(${f.process})`)
    .with({ kind: 'partition' }, (f) => `partition(${f.hosts[0]},${f.hosts[1]})`)
    .with({ kind: 'heal' }, (f) => `heal(${f.hosts[0]},${f.hosts[1]})`)
    .with({ kind: 'reset' }, (f) => `reset(${f.process}:${f.fd})`)
    .with({ kind: 'stg-fail' }, (f) => `stg-fail(stg${f.stg})`)
    .with({ kind: 'stg-repair' }, (f) => `stg-repair(stg${f.stg})`)
    .with({ kind: 'cbt-reserve' }, (f) => `cbt-reserve(${f.count})`)
    .with({ kind: 'cbt-release' }, () => 'cbt-release')
    .with({ kind: 'delay' }, (f) => `delay(${f.channel},${f.ticks})`)
    .with({ kind: 'undelay' }, (f) => `undelay(${f.channel})`)
    .exhaustive();
}
