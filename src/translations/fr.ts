import { en, type Translation } from './en.js';

export const fr: Translation = { ...en };
