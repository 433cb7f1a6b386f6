// Runs one engine (livekit-server, redis-server, …) as a child process for tests and dev scripts: waits until it
// is ready, stops it gracefully, simulates a crash, restarts it, and never leaves it running after its parent.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export class SetupError extends Error {}

// setpriv asks the kernel to SIGKILL the child when its parent dies, even by SIGKILL (when no 'exit' handler
// runs); the setting survives the exec into the engine.
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function onPath(name) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The binary named by the environment variable `envVar` (which must exist), else `name` on PATH, else the first fallback that exists. */
export function findBinary(envVar, name, fallbacks = []) {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new SetupError(`${envVar} points at ${fromEnv}, which does not exist. Fix the path or unset it.`);
    return fromEnv;
  }
  return onPath(name) ?? fallbacks.find((p) => existsSync(p));
}

/**
 * Starts `command args` and resolves once `ready()` resolves true.
 * @param {{ name: string, command: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv, quiet?: boolean,
 *   ready: () => Promise<boolean>, startTimeoutMs?: number, pollMs?: number }} options
 */
export async function supervise({ name, command, args, cwd, env, quiet = true, ready, startTimeoutMs = 20_000, pollMs = 100 }) {
  let child;
  const launch = async () => {
    const [cmd, argv] = setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, args];
    child = spawn(cmd, argv, { stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe'], cwd, env });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
      if (!quiet) process.stderr.write(chunk);
    });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), pollMs))]);
      if (early) throw new SetupError(`${name} exited at start (code ${early.code}, signal ${early.signal}):\n${stderr}`);
      if (await ready()) return;
    }
    child.kill('SIGKILL');
    throw new SetupError(`${name} was not ready within ${startTimeoutMs / 1000} s:\n${stderr}`);
  };
  const waitExit = (signal, ms) =>
    new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
  await launch();

  // No orphan when the parent exits or is stopped by a signal (Ctrl-C, a test runner's timeout).
  const cleanupOnExit = () => child?.kill('SIGKILL');
  process.on('exit', cleanupOnExit);
  const onSignal = (signal) => {
    child?.kill('SIGKILL');
    // Whoever else listens (e.g. `npm start`) shuts down gracefully; otherwise keep the default: exit.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  for (const signal of SIGNALS) process.once(signal, onSignal);
  return {
    get process() {
      return child;
    },
    /** Graceful stop (SIGTERM, SIGKILL after `graceMs`); the parent no longer watches it afterwards. */
    async stop(graceMs = 5000) {
      await waitExit('SIGTERM', graceMs);
      process.off('exit', cleanupOnExit);
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
    /** Simulates a crash (`kill -9`). */
    async kill() {
      await waitExit('SIGKILL', 1000);
    },
    /** Starts it again with the same arguments after kill() or stop() (stops it first if it runs). */
    async restart() {
      await waitExit('SIGTERM', 5000);
      await launch();
    },
  };
}
