import { z } from 'zod';
import { ApiError } from './errors.js';
import { errorBody } from './openapi.js';
import type { RouteRegistry } from './routing.js';
import type { SdkAssets } from './sdk-assets.js';

const sdkManifest = z.object({
  entry: z.string().describe('Path of the embed entry on this server'),
  integrity: z.string().describe('Subresource Integrity of the entry, for <script type="module" integrity>'),
  size: z.int(),
});

/** What a host needs to pin the embed it loads from this server. */
export function sdkRoutes(routes: RouteRegistry, sdk: SdkAssets): void {
  routes.add(
    {
      method: 'get',
      path: '/v1/sdk.json',
      summary: 'The embed SDK entry and its SRI hash',
      auth: 'none',
      tags: ['meta'],
      responses: {
        200: { description: 'Entry and integrity', schema: sdkManifest },
        404: { description: 'The SDK is not built on this server', schema: errorBody },
      },
    },
    (_req, res) => {
      const manifest = sdk.manifest();
      if (!manifest) throw new ApiError(404, 'sdk_not_built', 'The SDK is not built on this server: run `npm run build`.');
      // Public and credential-free like the files it describes; short-lived, since a release changes it.
      res.set({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=60' }).json(manifest);
    },
  );
}
