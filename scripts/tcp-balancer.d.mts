export function startBalancer(options: {
  backends: { host: string; port: number }[];
  port?: number;
  host?: string;
  skipFailedForMs?: number;
}): Promise<{ port: number; close(): Promise<void> }>;
