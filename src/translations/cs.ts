import { en, type Translation } from './en.js';

export const cs: Translation = { ...en };
