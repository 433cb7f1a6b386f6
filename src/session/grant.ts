import { ApiRequestError, joinUrl, postJson, type FetchLike } from './http.js';
import { parseAdmission } from './lobby-events.js';
import type { Admission, GrantInput } from './types.js';

/** A practitioner grant from the host: an `Admission` (object or JSON text) or a bare LiveKit token. */
export function parseGrant(input: GrantInput, livekitUrl: string | undefined): Admission {
  if (typeof input !== 'string') {
    const parsed = parseAdmission(input as unknown as Record<string, unknown>, 'grant');
    if (!parsed) throw new ApiRequestError(0, 'invalid_grant', 'The practitioner grant is not a valid admission.');
    return parsed;
  }
  const text = input.trim();
  if (!text) throw new ApiRequestError(0, 'invalid_grant', 'The practitioner grant is empty.');
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiRequestError(0, 'invalid_grant', 'The practitioner grant is not valid JSON.');
    }
    if (typeof json !== 'object' || json === null) {
      throw new ApiRequestError(0, 'invalid_grant', 'The practitioner grant is not a valid admission.');
    }
    return parseGrant(json as Admission, livekitUrl);
  }
  if (!livekitUrl) {
    throw new ApiRequestError(0, 'missing_livekit_url', 'A bare grant token needs the SFU URL (livekit-url) as well.');
  }
  return { livekitUrl, token: text };
}

export interface PractitionerGrantSource {
  grant?: GrantInput;
  getGrant?: () => Promise<GrantInput>;
  serverUrl?: string;
  practitionerToken?: string;
  livekitUrl?: string;
}

/** The host's callback first (fresh every time), then a fixed grant, then the token server. */
export async function resolvePractitionerGrant(source: PractitionerGrantSource, fetchImpl: FetchLike): Promise<Admission> {
  const { grant, getGrant, serverUrl, practitionerToken } = source;
  let input: GrantInput | undefined;
  if (getGrant) input = await getGrant();
  else if (grant) input = grant;
  else if (serverUrl && practitionerToken) {
    input = await postJson<Admission>(fetchImpl, joinUrl(serverUrl, '/v1/practitioner/grant'), { token: practitionerToken });
  }
  if (input === undefined) throw new ApiRequestError(0, 'missing_grant', 'No practitioner grant or token is configured.');
  return parseGrant(input, source.livekitUrl);
}
