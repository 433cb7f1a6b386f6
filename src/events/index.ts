export * from './events.js';
export * from './chat.js';
export * from './whiteboard.js';
