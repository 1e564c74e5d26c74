/**
 * The nodes the scheduler knows: what each registered with, whether it is live, and what
 * the scheduler has promised to jobs placed there. A node is ready when it is registered,
 * holds an open assignment stream and has heartbeated within the lost-after window.
 */
import type { PlacementNode, ResourceAmounts } from '../placement/types.js';

/** What a worker registers with; stored so cluster status survives restarts. */
export interface NodeRegistration {
  nodeId: string;
  cpuCores: number;
  memoryGb: number;
  gpuCount: number;
  gpuModel: string;
  diskGb: number;
  pricePerHourUsd: number;
  opportunityCostPerHourUsd: number;
  location: string;
  labels: Record<string, string>;
  executors: string[];
  startupMs: number;
  rttMs: number;
  agentVersion: string;
  registeredAtMs: number;
}

/**
 * Told of every change placement reads: `reshaped` when the registration changed (the
 * node may belong to another class now), otherwise readiness or free capacity changed.
 */
export type NodeChangeListener = (node: NodeEntry, reshaped: boolean) => void;

/** One node: its registration plus live state. Serves placement as a PlacementNode. */
export class NodeEntry implements PlacementNode {
  lastHeartbeatMs = 0;
  /** Resources promised to jobs placed here and not yet ended. */
  readonly allocated: ResourceAmounts = { cpuCores: 0, memoryGb: 0, gpuCount: 0, diskGb: 0 };
  readonly jobIds = new Set<string>();
  /** The placement engine's index follows the node through this. */
  onChange: NodeChangeListener | undefined;
  private registration: NodeRegistration;
  private isConnected = false;
  private isLost = false;

  constructor(reg: NodeRegistration) {
    this.registration = reg;
  }

  get reg(): NodeRegistration {
    return this.registration;
  }
  set reg(reg: NodeRegistration) {
    this.registration = reg;
    this.onChange?.(this, true);
  }
  /** The worker's assignment stream is open. */
  get connected(): boolean {
    return this.isConnected;
  }
  set connected(value: boolean) {
    this.isConnected = value;
    this.onChange?.(this, false);
  }
  /** Set when the lost-after window passed; cleared by a new registration. */
  get lost(): boolean {
    return this.isLost;
  }
  set lost(value: boolean) {
    this.isLost = value;
    this.onChange?.(this, false);
  }

  get nodeId(): string {
    return this.reg.nodeId;
  }
  get cpuCores(): number {
    return this.reg.cpuCores;
  }
  get memoryGb(): number {
    return this.reg.memoryGb;
  }
  get gpuCount(): number {
    return this.reg.gpuCount;
  }
  get gpuModel(): string {
    return this.reg.gpuModel;
  }
  get diskGb(): number {
    return this.reg.diskGb;
  }
  get pricePerHourUsd(): number {
    return this.reg.pricePerHourUsd;
  }
  get opportunityCostPerHourUsd(): number {
    return this.reg.opportunityCostPerHourUsd;
  }
  get location(): string {
    return this.reg.location;
  }
  get labels(): Record<string, string> {
    return this.reg.labels;
  }
  get executors(): string[] {
    return this.reg.executors;
  }
  get startupMs(): number {
    return this.reg.startupMs;
  }
  get rttMs(): number {
    return this.reg.rttMs;
  }
  get ready(): boolean {
    return this.connected && !this.lost;
  }
  get free(): ResourceAmounts {
    return {
      cpuCores: this.reg.cpuCores - this.allocated.cpuCores,
      memoryGb: this.reg.memoryGb - this.allocated.memoryGb,
      gpuCount: this.reg.gpuCount - this.allocated.gpuCount,
      diskGb: this.reg.diskGb - this.allocated.diskGb,
    };
  }

  /** Promises `demand` to job `jobId`. */
  allocate(jobId: string, demand: ResourceAmounts): void {
    if (this.jobIds.has(jobId)) return;
    this.jobIds.add(jobId);
    this.allocated.cpuCores += demand.cpuCores;
    this.allocated.memoryGb += demand.memoryGb;
    this.allocated.gpuCount += demand.gpuCount;
    this.allocated.diskGb += demand.diskGb;
    this.onChange?.(this, false);
  }

  /** Takes back what `jobId` was promised. */
  release(jobId: string, demand: ResourceAmounts): void {
    if (!this.jobIds.delete(jobId)) return;
    this.allocated.cpuCores = Math.max(0, this.allocated.cpuCores - demand.cpuCores);
    this.allocated.memoryGb = Math.max(0, this.allocated.memoryGb - demand.memoryGb);
    this.allocated.gpuCount = Math.max(0, this.allocated.gpuCount - demand.gpuCount);
    this.allocated.diskGb = Math.max(0, this.allocated.diskGb - demand.diskGb);
    this.onChange?.(this, false);
  }
}

/** Fields that define a node; a live node re-registering must present the same ones. */
export function registrationConflict(a: NodeRegistration, b: NodeRegistration): string | undefined {
  const fields = [
    'cpuCores',
    'memoryGb',
    'gpuCount',
    'gpuModel',
    'pricePerHourUsd',
    'location',
  ] as const;
  for (const f of fields) {
    if (a[f] !== b[f]) return `${f} was ${String(a[f])}, now ${String(b[f])}`;
  }
  return undefined;
}
