/**
 * One HTTP call to the Threads API: URL building, the access token, a timeout on every call, and turning
 * every failure into a ThreadsApiError. Nothing here retries; callers decide with the error's kind.
 */
import { httpError, networkError, ThreadsApiError } from "./errors.js";
import type { HttpAnswer, HttpSend } from "./http-send.js";

export type Params = Record<string, string | number | boolean | undefined>;

export interface GraphRequest {
  method: "GET" | "POST" | "DELETE";
  /** Path after the base URL, e.g. "/v1.0/me" or "/oauth/access_token". */
  path: string;
  /** GET and DELETE: all parameters go in the query. POST: in a form body, as Meta's samples send them. */
  params?: Params;
  /** Sent as `access_token`; never appears in error messages. */
  token?: string;
  /** Further values to keep out of error messages (app secret, OAuth code). */
  secrets?: Array<string | undefined>;
  /** Any of these firing ends the call (it fails as a network error that names the signal's reason). */
  signals?: readonly AbortSignal[];
}

export class GraphTransport {
  constructor(
    private readonly baseUrl: string,
    private readonly send: HttpSend,
    private readonly timeoutMs: number,
  ) {}

  async request<T = Record<string, unknown>>(req: GraphRequest): Promise<T> {
    const secrets = [req.token, ...(req.secrets ?? [])].filter((s): s is string => !!s && s.length >= 4);
    try {
      return await this.call<T>(req);
    } catch (error) {
      if (error instanceof Error) redact(error, secrets);
      throw error;
    }
  }

  private async call<T>(req: GraphRequest): Promise<T> {
    const endpoint = `${req.method} ${req.path}`;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(req.params ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    if (req.token !== undefined) params.set("access_token", req.token);

    const url = new URL(this.baseUrl + req.path);
    if (req.method !== "POST") {
      for (const [key, value] of params) url.searchParams.set(key, value);
    }
    let answer: HttpAnswer;
    try {
      // The body is read under the same timeout: a server that sends headers and then stalls is a timeout too.
      answer = await this.send({
        method: req.method,
        url,
        ...(req.method === "POST" ? { form: params } : {}),
        timeoutMs: this.timeoutMs,
        ...(req.signals?.length ? { signals: req.signals } : {}),
      });
    } catch (thrown) {
      throw networkError(endpoint, req.method, thrown, this.timeoutMs);
    }
    const { status, text } = answer;

    const body = parseJson(text);
    if (status < 200 || status >= 300) throw httpError(endpoint, req.method, status, body ?? text);
    if (body === undefined || typeof body !== "object" || body === null) {
      const outcomeUnknown = req.method === "POST";
      throw new ThreadsApiError({
        kind: "transient",
        endpoint,
        httpStatus: status,
        outcomeUnknown,
        message: `Threads API ${endpoint}: HTTP ${status} with an unreadable body${outcomeUnknown ? " — the request may have been applied; check before repeating it." : " — it will be retried."}`,
      });
    }
    return body as T;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function redact(error: Error, secrets: string[]): void {
  for (const secret of secrets) {
    if (error.message.includes(secret)) error.message = error.message.replaceAll(secret, "[redacted]");
  }
}

/** A response field that must be there, as a string (ids arrive as strings or numbers). */
export function requireId(
  body: Record<string, unknown>,
  field: string,
  endpoint: string,
  method: string,
): string {
  const value = body[field];
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  throw new ThreadsApiError({
    kind: "transient",
    endpoint,
    outcomeUnknown: method === "POST",
    message: `Threads API ${endpoint}: the answer has no "${field}"${method === "POST" ? " — the request may have been applied; check before repeating it." : "."}`,
  });
}
