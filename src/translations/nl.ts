import { en, type Translation } from './en.js';

export const nl: Translation = { ...en };
