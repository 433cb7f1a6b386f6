/**
 * The token server in development: `node --import tsx server/main.ts` (= `videoconsult serve`; the built
 * command is dist/server/bin.js). Config: VC_CONFIG=path/to/config.json, overridden by LIVEKIT_URL,
 * LIVEKIT_API_KEY, LIVEKIT_API_SECRET, VC_SECRET, VC_HOST, VC_PORT, VC_PUBLIC_URL, VC_DATABASE, VC_REDIS_URL
 * (see config.ts).
 */
import { runCli } from './cli.js';

process.exitCode = await runCli(['serve', ...process.argv.slice(2)]);
