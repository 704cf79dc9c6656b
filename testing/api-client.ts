// Calls to the server's JSON HTTP API from a test: a bearer key, a JSON body (or a raw string sent
// as it is), and the reply's status, JSON (or { raw: text } when it is not JSON) and headers.

export interface ApiReply {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
}

/** `method path` on the server at `baseUrl`, with `auth` as bearer token (null: no authorization header). */
export async function apiCall(baseUrl: string, method: string, path: string, body?: unknown, auth: string | null = null): Promise<ApiReply> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json, headers: res.headers };
}
