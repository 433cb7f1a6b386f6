import type { RunningLivekit } from './livekit.mjs';

export interface LivekitCluster {
  /** ws:// URL of the balancer, for browsers and SDKs. */
  url: string;
  /** http:// URL of the balancer, for the server API. */
  httpUrl: string;
  port: number;
  apiKey: string;
  apiSecret: string;
  nodes: RunningLivekit[];
  /** The nodes that currently host at least one room. */
  nodesWithRooms(): Promise<RunningLivekit[]>;
  stop(): Promise<void>;
}

export function startLivekitCluster(options: {
  redis: string;
  nodes?: number;
  port?: number;
  webhookUrl?: string;
  keys?: { apiKey: string; apiSecret: string };
  quiet?: boolean;
}): Promise<LivekitCluster>;
