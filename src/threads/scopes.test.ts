import { describe, expect, it } from "vitest";
import { authorizeLink, SCOPE_USES, THREADS_SCOPES } from "./scopes.js";

describe("OAuth scopes", () => {
  it("asks for the scopes of every feature, threads_basic first, each with its use", () => {
    expect(THREADS_SCOPES[0]).toBe("threads_basic");
    for (const scope of [
      "threads_content_publish",
      "threads_manage_replies",
      "threads_read_replies",
      "threads_manage_insights",
      "threads_delete",
      "threads_location_tagging",
    ]) {
      expect(THREADS_SCOPES).toContain(scope);
    }
    for (const scope of THREADS_SCOPES) expect(SCOPE_USES[scope]).toMatch(/\w/);
  });

  it("builds Meta's authorize link with the scopes comma-separated", () => {
    const link = new URL(
      authorizeLink({
        authorizeUrl: "https://threads.com/oauth/authorize",
        appId: "123",
        redirectUri: "https://example.test/oauth/callback",
        state: "s1",
      }),
    );
    expect(link.origin + link.pathname).toBe("https://threads.com/oauth/authorize");
    expect(link.searchParams.get("client_id")).toBe("123");
    expect(link.searchParams.get("redirect_uri")).toBe("https://example.test/oauth/callback");
    expect(link.searchParams.get("response_type")).toBe("code");
    expect(link.searchParams.get("state")).toBe("s1");
    expect(link.searchParams.get("scope")?.split(",")).toEqual([...THREADS_SCOPES]);
  });
});
