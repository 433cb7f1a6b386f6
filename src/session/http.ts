/** JSON over fetch with the token server's `{ error: { code, message } }` shape turned into `ApiRequestError`. */

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

export type FetchLike = typeof fetch;

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

export async function postJson<T>(
  fetchImpl: FetchLike,
  url: string,
  /** `keepalive`: the request outlives the page (sent on `pagehide`; the body stays far below the 64 KiB it allows). */
  options: { token?: string; body?: unknown; signal?: AbortSignal; keepalive?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      signal: options.signal,
      ...(options.keepalive ? { keepalive: true } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiRequestError(0, 'network_error', 'The consultation server cannot be reached. Check your connection.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new ApiRequestError(
      response.status,
      typeof error?.code === 'string' ? error.code : `http_${response.status}`,
      typeof error?.message === 'string' ? error.message : `The server answered ${response.status}.`,
    );
  }
  return parsed as T;
}

/** `{ code, message }` from anything thrown: API errors keep their code, others get the fallback. */
export function describe(error: unknown, fallbackCode = 'unexpected_error', fallbackMessage = 'Something went wrong.') {
  if (error instanceof ApiRequestError) return { code: error.code, message: error.message };
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error && error.message ? error.message : fallbackMessage;
  return { code: typeof code === 'string' ? code : fallbackCode, message };
}
