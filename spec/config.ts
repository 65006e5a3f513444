/**
 * The world configuration: what `reset` builds. Schema, defaults and the
 * derived helpers every layer shares (which fd range is which family, the
 * payload encodings of the handshakes).
 */
import { z } from 'zod';

const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/, 'a name of 1-16 letters, digits, _ or -, starting with a letter');
const port = z.number().int().min(1).max(65535);
const range = z.tuple([port, port]).refine(([lo, hi]) => lo <= hi, 'a port range [lo, hi] needs lo <= hi');

export const HostConfig = z.object({
  name,
  processes: z.array(name).min(1).max(8),
});

export const StgConfig = z.object({
  /** The STG identifier sent at steps 138/236 (u32). */
  id: z.number().int().min(1).max(0xffff_fffe),
  /** Buffer capacity in bytes of each direction of each connection through this STG. */
  length: z.number().int().min(1).max(1 << 20),
  /** The STP ports of this STG; dynamic binds pick from the same range. */
  ports: range,
});

export const TickConfig = z.object({
  /** A raw connect pending this many ticks fails with ETIMEDOUT. */
  connectTimeout: z.number().int().min(1).max(1000),
  /** A handshake role waiting this many ticks at one step fails there with ETIMEDOUT. */
  stepTimeout: z.number().int().min(1).max(1000),
});

export const WorldConfig = z
  .object({
    hosts: z.array(HostConfig).min(1).max(8),
    cbt: z.object({ capacity: z.number().int().min(1).max(256) }),
    stgs: z.array(StgConfig).min(1).max(8),
    /** The well-known network port; WKP+1 is the file-system flow's second port. */
    wkp: z.number().int().min(1).max(65534),
    /** Descriptors at or above this value are storage-system sockets; below, network sockets (from 3). */
    fdBoundary: z.number().int().min(8).max(1 << 20),
    /** The network dynamic (ephemeral) port range, the same on every host. */
    netPorts: range,
    ticks: TickConfig,
    /** The well-known string of steps 90/120 and the acknowledgement of 226/196A, as hex. */
    wellKnownString: z.string().regex(/^([0-9a-f]{2}){1,64}$/, 'lower-case hex, 1-64 bytes'),
  })
  .superRefine((config, ctx) => {
    const hosts = new Set<string>();
    const processes = new Set<string>();
    for (const host of config.hosts) {
      if (hosts.has(host.name)) ctx.addIssue({ code: 'custom', message: `host ${host.name} appears twice` });
      hosts.add(host.name);
      for (const process of host.processes) {
        if (processes.has(process)) ctx.addIssue({ code: 'custom', message: `process ${process} appears twice (process names are global)` });
        processes.add(process);
      }
    }
    const stgs = new Set<number>();
    for (const stg of config.stgs) {
      if (stgs.has(stg.id)) ctx.addIssue({ code: 'custom', message: `STG ${stg.id} appears twice` });
      stgs.add(stg.id);
    }
    const [lo, hi] = config.netPorts;
    for (const port of [config.wkp, config.wkp + 1]) {
      if (port >= lo && port <= hi) {
        ctx.addIssue({ code: 'custom', message: `wkp ${config.wkp} and wkp+1 must lie outside the dynamic range ${lo}..${hi}` });
      }
    }
  });

export type WorldConfig = z.infer<typeof WorldConfig>;
export type StgConfig = z.infer<typeof StgConfig>;
export type HostConfig = z.infer<typeof HostConfig>;

/** The world most examples use: a backup server host and a client host. */
export const DEFAULT_CONFIG: WorldConfig = {
  hosts: [
    { name: 'srv', processes: ['S', 'S2'] },
    { name: 'cli', processes: ['C', 'C2'] },
  ],
  cbt: { capacity: 8 },
  stgs: [{ id: 1, length: 16, ports: [5000, 5007] }],
  wkp: 7000,
  fdBoundary: 1024,
  netPorts: [40000, 40007],
  ticks: { connectTimeout: 5, stepTimeout: 5 },
  wellKnownString: '3030303030303030',
};

/** The lowest network descriptor: 0-2 are stdin/stdout/stderr. */
export const FD_NET_MIN = 3;
/** Storage-system descriptors live in [fdBoundary, fdBoundary + FD_DSS_SPAN). */
export const FD_DSS_SPAN = 1 << 16;

export type Family = 'net' | 'dss';

export function familyOfFd(config: WorldConfig, fd: number): Family | undefined {
  if (!Number.isInteger(fd)) return undefined;
  if (fd >= FD_NET_MIN && fd < config.fdBoundary) return 'net';
  if (fd >= config.fdBoundary && fd < config.fdBoundary + FD_DSS_SPAN) return 'dss';
  return undefined;
}

export function fdRange(config: WorldConfig, family: Family): readonly [number, number] {
  return family === 'net' ? [FD_NET_MIN, config.fdBoundary - 1] : [config.fdBoundary, config.fdBoundary + FD_DSS_SPAN - 1];
}

export function hostOf(config: WorldConfig, process: string): string | undefined {
  return config.hosts.find((host) => host.processes.includes(process))?.name;
}

export function allProcesses(config: WorldConfig): string[] {
  return config.hosts.flatMap((host) => host.processes);
}

export function stgOf(config: WorldConfig, id: number): StgConfig | undefined {
  return config.stgs.find((stg) => stg.id === id);
}
