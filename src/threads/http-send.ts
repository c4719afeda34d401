/**
 * The HTTP exchange under the Graph transport: one request, its status and its body text, under one timeout
 * that covers the whole answer (a server that sends headers and then stalls times out too).
 *
 * The default is node:http(s) with keep-alive agents. `fetch` (undici) costs about twice the CPU per call
 * (0.9 vs 0.45 ms measured against the sandbox, 20 calls in flight): at a burst's pace the service's main
 * thread was the bottleneck, and three calls per post made fetch a quarter of it (docs/benchmarks.md).
 * A `fetch` function can still be injected (tests use the in-process sandbox; a proxy can wrap it).
 */
import http from "node:http";
import https from "node:https";

export interface HttpExchange {
  method: "GET" | "POST" | "DELETE";
  url: URL;
  /** A form body (POST). */
  form?: URLSearchParams;
  timeoutMs: number;
  /** Any of these firing ends the call at once (a stopping scheduler); none is the default. */
  signals?: readonly AbortSignal[];
}

export interface HttpAnswer {
  status: number;
  text: string;
}

export type HttpSend = (exchange: HttpExchange) => Promise<HttpAnswer>;

/** Raised when no whole answer arrived in time; named like fetch's so error handling treats both alike. */
export class HttpTimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * Raised when one of the caller's signals ended the call. `sent` says whether the request may have reached the
 * server (it was connected): a POST cut off then may have been applied. The signal's reason is the `cause`.
 */
export class HttpAbortError extends Error {
  override name = "HttpAbortError";
  constructor(
    readonly sent: boolean,
    reason: unknown,
  ) {
    super(`the call was cut off${reason instanceof Error ? ` (${reason.message})` : ""}`, { cause: reason });
  }
}

/** The first of `signals` that has fired. */
export function firedSignal(signals: readonly AbortSignal[] | undefined): AbortSignal | undefined {
  return signals?.find((s) => s.aborted);
}

/** Calls `onAbort` when any of `signals` fires; returns the function that stops listening. */
function onAnyAbort(
  signals: readonly AbortSignal[] | undefined,
  onAbort: (reason: unknown) => void,
): () => void {
  if (!signals?.length) return () => {};
  const listeners = signals.map((signal) => {
    const listener = () => onAbort(signal.reason);
    signal.addEventListener("abort", listener, { once: true });
    return () => signal.removeEventListener("abort", listener);
  });
  return () => {
    for (const remove of listeners) remove();
  };
}

/**
 * Idle sockets are closed after 4 s, before a server's usual 5 s keep-alive timeout (Node's own global agent
 * uses 5 s): a request sent on a socket the server is closing fails with ECONNRESET, which for a publish means
 * "outcome unknown" and a check with Threads.
 */
const agents = {
  "http:": new http.Agent({ keepAlive: true, timeout: 4_000 }),
  "https:": new https.Agent({ keepAlive: true, timeout: 4_000 }),
};

/**
 * Destroys every socket of the default sender's keep-alive agents, in use or idle: a process that is stopping
 * ends the calls still in flight (each fails as a network error) and leaves nothing that keeps it alive.
 */
export function destroyHttpAgents(): void {
  agents["http:"].destroy();
  agents["https:"].destroy();
}

/** The default sender: node:http(s), keep-alive, the body decoded as UTF-8. */
export const nodeHttpSend: HttpSend = (exchange) =>
  new Promise<HttpAnswer>((resolve, reject) => {
    const { url, method, form, timeoutMs, signals } = exchange;
    const fired = firedSignal(signals);
    if (fired) {
      reject(new HttpAbortError(false, fired.reason));
      return;
    }
    const isHttps = url.protocol === "https:";
    if (!isHttps && url.protocol !== "http:") {
      const error = new TypeError(`unsupported URL scheme ${url.protocol} (use http: or https:)`);
      reject(Object.assign(error, { code: "ERR_INVALID_URL" }));
      return;
    }
    const body = form ? Buffer.from(form.toString(), "utf8") : undefined;
    const headers: http.OutgoingHttpHeaders = { accept: "application/json" };
    if (body) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["content-length"] = body.length;
    }
    let settled = false;
    const finish = (error: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopListening();
      if (error) {
        request.destroy();
        reject(error);
      } else {
        resolve(answer!);
      }
    };
    const options = { method, headers, agent: agents[isHttps ? "https:" : "http:"] };
    const request = (isHttps ? https : http).request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        finish(undefined, {
          status: response.statusCode ?? 0,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      response.on("error", (error) => finish(error));
      response.on("aborted", () =>
        finish(Object.assign(new Error("the answer was cut off"), { code: "ECONNRESET" })),
      );
    });
    // A timeout before the connection was made cannot have sent anything (fetch's connect timeout says so too).
    let connected = false;
    request.on("socket", (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    const timer = setTimeout(() => {
      if (connected) finish(new HttpTimeoutError(`no whole answer within ${timeoutMs} ms`));
      else {
        const error = new Error(`could not connect within ${timeoutMs} ms`);
        finish(Object.assign(error, { code: "UND_ERR_CONNECT_TIMEOUT" }));
      }
    }, timeoutMs);
    const stopListening = onAnyAbort(signals, (reason) => finish(new HttpAbortError(connected, reason)));
    request.on("error", (error) => finish(error));
    request.end(body);
  });

/** A sender over a `fetch` function (tests, proxies). */
export function fetchSend(fetchFn: typeof fetch): HttpSend {
  return async ({ method, url, form, timeoutMs, signals }) => {
    const fired = firedSignal(signals);
    if (fired) throw new HttpAbortError(false, fired.reason);
    // One controller for the timeout and the caller's signals (AbortSignal.any's signals can be collected
    // before they fire on Node 20). fetch cannot say whether the request left: a call cut off counts as sent.
    // The race does not rely on the fetch function honouring its signal.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError")),
      timeoutMs,
    );
    let rejectCut: (error: Error) => void = () => {};
    const cutOff = new Promise<never>((_, reject) => (rejectCut = reject));
    cutOff.catch(() => {});
    let cutBy: { reason: unknown } | undefined;
    const stopListening = onAnyAbort(signals, (reason) => {
      cutBy = { reason };
      controller.abort(reason);
      rejectCut(new HttpAbortError(true, reason));
    });
    const init: RequestInit = { method, signal: controller.signal };
    if (form) {
      init.body = form;
      init.headers = { "content-type": "application/x-www-form-urlencoded" };
    }
    try {
      const response = await Promise.race([fetchFn(url, init), cutOff]);
      return { status: response.status, text: await Promise.race([response.text(), cutOff]) };
    } catch (error) {
      if (cutBy) throw new HttpAbortError(true, cutBy.reason);
      throw error;
    } finally {
      clearTimeout(timer);
      stopListening();
    }
  };
}
