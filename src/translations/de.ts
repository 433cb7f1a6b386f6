import { en, type Translation } from './en.js';

export const de: Translation = { ...en };
