/** Collects `console.warn` lines instead of printing them, until `restore()`. */
export function silenceWarnings(): { warnings: string[]; restore(): void } {
  const original = console.warn;
  const warnings: string[] = [];
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  return { warnings, restore: () => (console.warn = original) };
}
