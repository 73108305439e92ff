/**
 * One JSON call to a horde's v2 API for integration tests: throws with the status and
 * body on an error answer, so a test failure says what the horde replied.
 */
export async function hordeJson(
  baseUrl: string,
  method: string,
  route: string,
  apikey: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { apikey, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
