/**
 * The `videoconsult` command (package.json `bin`, compiled to dist/server/bin.js; no tsx at run time):
 *
 *   videoconsult serve [--config file]           run the token server (VC_CONFIG + environment, see config.ts)
 *   videoconsult check-config [file]             validate a config file; prints every bad key, exit 2 if any
 *   videoconsult migrate [--config file]         apply the store's schema migrations, then exit
 *   videoconsult tenant add <id> --name <name> [--origin <url>]… [--config file]
 *   videoconsult tenant rotate-key <id> [--keep-old] [--config file]
 *
 * The tenant commands edit the config file: they print a new API key once and store only its SHA-256.
 * The server reads tenants at start, so restart (or roll) the servers after a change.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, tenantSchema } from './config.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env };

export const USAGE = `Usage: videoconsult <command>
  serve [--config file]                   run the token server (config: --config or VC_CONFIG, plus environment)
  check-config [file]                     validate a config file and print every problem
  migrate [--config file]                 apply database migrations and exit
  tenant add <id> --name <name> [--origin <url>]... [--config file]
                                          add a tenant; prints its API key once (only the hash is stored)
  tenant rotate-key <id> [--keep-old] [--config file]
                                          new API key for a tenant; --keep-old keeps the previous keys valid`;

/** Exit codes: 0 fine, 1 runtime failure, 2 bad usage or invalid config. */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string' } } });
        const { serve } = await import('./serve.js');
        await serve(loadConfig(envWith(io.env, values.config)));
        return 0;
      }
      case 'check-config':
        return checkConfig(rest, io);
      case 'migrate': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string' } } });
        const config = loadConfig(envWith(io.env, values.config));
        // Opening the store applies what is missing, in order, each in its own transaction.
        const { SqliteStore } = await import('./store/sqlite.js');
        const store = new SqliteStore(config.database.path);
        store.close();
        io.out(`Database ${config.database.path} is up to date.`);
        return 0;
      }
      case 'tenant':
        return tenantCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`Unknown command "${command}".\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      io.err(error.message);
      return 2;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`${error.message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

class UsageError extends Error {}

const envWith = (env: NodeJS.ProcessEnv, config: string | undefined): NodeJS.ProcessEnv => (config ? { ...env, VC_CONFIG: config } : env);

/** Validates the file (with the environment overrides the server would apply) and names every bad key. */
function checkConfig(args: string[], io: CliIo): number {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' } } });
  const file = positionals[0] ?? values.config ?? io.env.VC_CONFIG;
  if (!file) throw new UsageError('check-config: name a config file (or set VC_CONFIG).');
  const config = loadConfig({ ...io.env, VC_CONFIG: file });
  io.out(
    `${file}: valid (${config.tenants.length} tenant${config.tenants.length === 1 ? '' : 's'}, listening on ${config.host}:${config.port}).`,
  );
  return 0;
}

function tenantCommand(args: string[], io: CliIo): number {
  const [sub, ...rest] = args;
  const { positionals, values } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      name: { type: 'string' },
      origin: { type: 'string', multiple: true },
      'keep-old': { type: 'boolean' },
    },
  });
  const file = values.config ?? io.env.VC_CONFIG;
  if (!file) throw new UsageError(`tenant ${sub ?? ''}: name the config file with --config (or set VC_CONFIG).`);
  const id = positionals[0];
  if (!id) throw new UsageError(`tenant ${sub ?? ''}: name the tenant id.\n${USAGE}`);
  const raw = readConfigFile(file);
  const tenants = Array.isArray(raw.tenants) ? (raw.tenants as Record<string, unknown>[]) : [];
  const key = `vk_${randomBytes(24).toString('base64url')}`;
  const hash = createHash('sha256').update(key).digest('hex');
  if (sub === 'add') {
    if (tenants.some((t) => t.id === id)) throw new UsageError(`A tenant "${id}" already exists; use \`tenant rotate-key ${id}\`.`);
    if (!values.name) throw new UsageError('tenant add: --name is required.');
    const tenant = tenantSchema.safeParse({ id, name: values.name, apiKeySha256: [hash], allowedOrigins: values.origin ?? [] });
    if (!tenant.success)
      throw new ConfigError(`Invalid tenant:\n${tenant.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
    raw.tenants = [...tenants, tenant.data];
  } else if (sub === 'rotate-key') {
    const tenant = tenants.find((t) => t.id === id);
    if (!tenant) throw new UsageError(`No tenant "${id}" in ${file}.`);
    const previous = Array.isArray(tenant.apiKeySha256) ? (tenant.apiKeySha256 as unknown[]) : [];
    tenant.apiKeySha256 = values['keep-old'] ? [...previous, hash] : [hash];
  } else {
    throw new UsageError(`Unknown tenant command "${sub ?? ''}".\n${USAGE}`);
  }
  writeConfigFile(file, raw);
  io.out(`API key for tenant "${id}" (shown once; only its SHA-256 is stored in ${file}):`);
  io.out(key);
  io.err('Restart the token servers to apply the change.');
  return 0;
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read the config file ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError(`${file}: the config must be a JSON object.`);
  return parsed as Record<string, unknown>;
}

/** Validated as a whole before it replaces the file (a rename: readers never see half a file). */
function writeConfigFile(file: string, raw: Record<string, unknown>): void {
  for (const tenant of raw.tenants as unknown[]) {
    const result = tenantSchema.safeParse(tenant);
    if (!result.success)
      throw new ConfigError(
        `${file}: a tenant is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
  }
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(raw, null, 2)}\n`, { mode: statSync(file).mode & 0o777 });
  renameSync(temp, file);
}
