import { en, type Translation } from './en.js';

export const es: Translation = { ...en };
