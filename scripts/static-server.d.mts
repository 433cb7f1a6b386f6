import type { Express } from 'express';

export function createStaticApp(options: { tokenServerUrl: string; extra?: (app: Express) => void }): Express;
