import { describe, expect, it } from "vitest";
import { uniqueLinks } from "./links.js";

describe("uniqueLinks", () => {
  it("finds distinct links and ignores case, trailing slash and punctuation", () => {
    const text = "see https://a.example/x, HTTPS://A.EXAMPLE/x/ and www.b.example. また http://c.example/p。";
    expect(uniqueLinks(text)).toEqual(["https://a.example/x", "www.b.example", "http://c.example/p"]);
  });
  it("counts extra links (link_attachment) once", () => {
    expect(uniqueLinks("https://a.example", ["https://a.example/"])).toHaveLength(1);
    expect(uniqueLinks("no links", ["https://b.example"])).toHaveLength(1);
  });
});
