export function sdkManifest(entry?: string): { name: string; writeBundle(options: { dir?: string }): void };
