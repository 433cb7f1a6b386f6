// The board's keyboard rules, apart from the element: undo/redo shortcuts and the ARIA toolbar pattern.

/** Ctrl/⌘+Z undoes, Ctrl/⌘+Shift+Z and Ctrl/⌘+Y redo; not while typing into a text field, not with Alt. */
export function historyShortcut(event: KeyboardEvent): 'undo' | 'redo' | undefined {
  const target = event.composedPath()[0];
  if (target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && target.type === 'text')) return undefined;
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return undefined;
  const key = event.key.toLowerCase();
  if (key === 'z' && !event.shiftKey) return 'undo';
  if ((key === 'z' && event.shiftKey) || key === 'y') return 'redo';
  return undefined;
}

/**
 * Arrow keys, Home and End move focus between a toolbar's controls (wrapping around); true when the key was
 * the toolbar's. Inputs (colour, size) keep their own arrow keys.
 */
export function moveToolbarFocus(event: KeyboardEvent, controls: readonly HTMLElement[]): boolean {
  if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return false;
  const target = event.composedPath()[0] as HTMLElement;
  if (target instanceof HTMLInputElement) return false;
  const index = controls.indexOf(target);
  if (index < 0) return false;
  const next = { ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: controls.length - 1 }[event.key]!;
  controls[(next + controls.length) % controls.length]?.focus();
  return true;
}
