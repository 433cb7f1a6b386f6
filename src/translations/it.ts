import { en, type Translation } from './en.js';

export const it: Translation = { ...en };
