import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { networkError } from "./errors.js";
import { destroyHttpAgents, fetchSend, HttpAbortError, type HttpSend, nodeHttpSend } from "./http-send.js";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let server: http.Server | undefined;
const sockets = new Set<unknown>();

async function serve(handler: Handler): Promise<string> {
  server = http.createServer(handler);
  server.on("connection", (socket) => sockets.add(socket));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
  sockets.clear();
});

describe.each([
  ["node:http", nodeHttpSend],
  ["fetch", fetchSend(globalThis.fetch)],
] as Array<[string, HttpSend]>)("%s sender", (_name, send) => {
  it("posts a form and reads a UTF-8 answer split across chunks", async () => {
    const url = await serve((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const bytes = Buffer.from(JSON.stringify({ got: body, type: req.headers["content-type"] }), "utf8");
        res.writeHead(201, { "content-type": "application/json" });
        // Cut inside the multi-byte characters of the echoed Japanese text.
        res.write(bytes.subarray(0, 9));
        setTimeout(() => res.end(bytes.subarray(9)), 5);
      });
    });
    const answer = await send({
      method: "POST",
      url: new URL(`${url}/v1.0/me/threads`),
      form: new URLSearchParams({ text: "おはよう 🌅" }),
      timeoutMs: 2_000,
    });
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.text)).toEqual({
      got: "text=%E3%81%8A%E3%81%AF%E3%82%88%E3%81%86+%F0%9F%8C%85",
      type: "application/x-www-form-urlencoded",
    });
  });

  it("times out when the headers came but the body stalls, as a timeout with an unknown outcome", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id":');
    });
    const thrown = await send({ method: "POST", url: new URL(`${url}/x`), timeoutMs: 200 }).catch((e) => e);
    expect(thrown.name).toMatch(/TimeoutError|AbortError/);
    const error = networkError("POST /x", "POST", thrown, 200);
    expect(error).toMatchObject({ kind: "transient", outcomeUnknown: true });
    expect(error.message).toContain("no answer within 200 ms");
  });

  it("an answer cut off mid-body is a network error, not a success", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"id":"1');
      setTimeout(() => res.socket?.destroy(), 5);
    });
    const thrown = await send({ method: "GET", url: new URL(`${url}/x`), timeoutMs: 2_000 }).catch((e) => e);
    expect(thrown).toBeInstanceOf(Error);
    const error = networkError("GET /x", "GET", thrown, 2_000);
    expect(error).toMatchObject({ kind: "transient", outcomeUnknown: false });
  });

  it("a signal cuts off a call in flight at once: a POST that was sent has an unknown outcome", async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const url = await serve(() => arrived());
    const stop = new AbortController();
    const call = send({
      method: "POST",
      url: new URL(`${url}/v1.0/me/threads_publish`),
      form: new URLSearchParams({ creation_id: "1" }),
      timeoutMs: 60_000,
      signals: [new AbortController().signal, stop.signal],
    }).catch((e) => e);
    await reached;
    const reason = new Error("the scheduler is stopping");
    stop.abort(reason);
    const thrown = await call;
    expect(thrown).toBeInstanceOf(HttpAbortError);
    expect(thrown).toMatchObject({ sent: true, cause: reason });
    const error = networkError("POST /x", "POST", thrown, 60_000);
    expect(error).toMatchObject({ kind: "transient", outcomeUnknown: true });
    expect(error.message).toContain("the call was cut off (the scheduler is stopping)");
  });

  it("a signal that already fired sends nothing", async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      res.end("{}");
    });
    const thrown = await send({
      method: "POST",
      url: new URL(`${url}/x`),
      timeoutMs: 2_000,
      signals: [AbortSignal.abort(new Error("stopped"))],
    }).catch((e) => e);
    expect(thrown).toMatchObject({ name: "HttpAbortError", sent: false });
    expect(networkError("POST /x", "POST", thrown, 2_000).outcomeUnknown).toBe(false);
    expect(requests).toBe(0);
  });
});

describe("node:http sender", () => {
  it("keeps the connection alive between calls", async () => {
    const url = await serve((_req, res) => res.end("{}"));
    for (let i = 0; i < 5; i++) {
      await nodeHttpSend({ method: "GET", url: new URL(`${url}/x?i=${i}`), timeoutMs: 2_000 });
    }
    expect(sockets.size).toBe(1);
  });

  it("destroying the agents ends the calls in flight (nothing is left to keep a stopping process alive)", async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const url = await serve((req, res) => (req.url === "/slow" ? arrived() : res.end("{}")));
    const call = nodeHttpSend({ method: "GET", url: new URL(`${url}/slow`), timeoutMs: 60_000 }).catch(
      (e) => e,
    );
    await reached;
    destroyHttpAgents();
    const thrown = await call;
    expect(networkError("GET /slow", "GET", thrown, 60_000)).toMatchObject({ kind: "transient" });
    // The agents still serve later calls.
    expect((await nodeHttpSend({ method: "GET", url: new URL(`${url}/x`), timeoutMs: 2_000 })).status).toBe(
      200,
    );
  });

  it("refuses a URL that is not http(s)", async () => {
    await expect(
      nodeHttpSend({ method: "GET", url: new URL("ftp://example.com/x"), timeoutMs: 100 }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/unsupported URL scheme ftp:/),
      code: "ERR_INVALID_URL",
    });
  });
});
