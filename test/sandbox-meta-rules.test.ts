/**
 * The client's preflight (src/threads/) and the sandbox (src/sandbox/) each implement Meta's text rules on
 * their own, so that a miscount in one shows here as a disagreement instead of being agreed with by an
 * emulator that calls the same function. Where they may differ, the client must be the stricter: a post it
 * lets through must never be refused by Threads half-way through a chain.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { uniqueLinks } from "../src/sandbox/links.js";
import { textLength } from "../src/sandbox/text-length.js";
import { validateContainerParams } from "../src/sandbox/validate.js";
import { containerFormFields, containerParamsFor } from "../src/threads/container-params.js";
import { COUNTRY_CODES } from "../src/threads/country-codes.js";
import type { PostPart } from "../src/threads/post.js";
import { countLinks, threadsTextLength, validatePart } from "../src/threads/preflight.js";

/** [what, text, Meta's length]: both must say exactly this. */
const LENGTHS: Array<[string, string, number]> = [
  ["ASCII", "Hello, world", 12],
  ["Japanese", "おはようございます", 9],
  ["Japanese with a decomposed voiced mark", "か\u3099き", 3],
  ["a CJK character outside the BMP", "𠮷野家", 3],
  ["an accent as a combining mark", "cafe\u0301", 5],
  ["one emoji", "😀", 4],
  ["emoji in Japanese text", "今日は晴れ☀️です😊", 7 + 6 + 4],
  ["a heart with its emoji selector", "❤️", 6],
  ["a skin tone", "👍🏽", 8],
  ["a lone skin-tone modifier", "🏽", 4],
  ["a skin-tone modifier after a letter", "a🏽", 5],
  ["a ZWJ family", "👨‍👩‍👧‍👦", 25],
  ["a ZWJ profession with skin tone", "👩🏽‍💻", 15],
  ["a flag", "🇯🇵", 8],
  ["a keycap", "1️⃣", 7],
  ["a subdivision flag (tag sequence)", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", 28],
  ["a URL", "https://example.com/path?q=1&r=2", 32],
  ["a URL with Japanese glued on", "見てねhttps://example.jp/記事です", 26],
  ["a bare domain and an emoji", "see www.example.jp/x 👀", 21 + 4],
];

/**
 * Text-style symbols and broken sequences that the client counts as emoji (its safe side) and the sandbox, as
 * Unicode's recommended emoji list does, does not: [what, text, client, sandbox].
 */
const CLIENT_COUNTS_MORE: Array<[string, string, number, number]> = [
  ["a copyright sign without the emoji selector", "©", 2, 1],
  ["a heart without the emoji selector", "❤", 3, 1],
  ["a keycap without the emoji selector", "1\u20E3", 4, 2],
  ["a lone regional indicator", "🇯", 4, 1],
];

describe("text length: client and sandbox agree", () => {
  it.each(LENGTHS)("%s", (_, text, length) => {
    expect({ client: threadsTextLength(text), sandbox: textLength(text) }).toEqual({
      client: length,
      sandbox: length,
    });
  });

  it.each(CLIENT_COUNTS_MORE)("%s: the client counts more, never less", (_, text, client, sandbox) => {
    expect({ client: threadsTextLength(text), sandbox: textLength(text) }).toEqual({ client, sandbox });
  });

  it("the client never counts less than the sandbox (property)", () => {
    const pieces = [
      ...LENGTHS.map(([, text]) => text),
      ...CLIENT_COUNTS_MORE.map(([, text]) => text),
      "\u200D",
      "\uFE0F",
      "\u20E3",
      "🏻",
      "🇺",
      "a",
      " ",
      "日本",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
        const text = parts.join("");
        expect(threadsTextLength(text)).toBeGreaterThanOrEqual(textLength(text));
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (text) => {
        expect(threadsTextLength(text)).toBeGreaterThanOrEqual(textLength(text));
      }),
    );
  });

  it("both accept 500 and refuse 501 at the limit, emoji included", () => {
    const accepts = (text: string) => ({
      client: validatePart({ text }, 0).length === 0,
      sandbox: sandboxAccepts({ media_type: "TEXT", text }),
    });
    expect(accepts(`${"a".repeat(496)}😀`)).toEqual({ client: true, sandbox: true });
    expect(accepts(`${"a".repeat(497)}😀`)).toEqual({ client: false, sandbox: false });
    expect(accepts(`${"あ".repeat(475)}👨‍👩‍👧‍👦`)).toEqual({ client: true, sandbox: true });
    expect(accepts(`${"あ".repeat(476)}👨‍👩‍👧‍👦`)).toEqual({ client: false, sandbox: false });
  });
});

describe("links: the client counts at least the sandbox's", () => {
  it.each<[string, number, number]>([
    ["https://a.example/x and HTTPS://A.EXAMPLE/x/", 1, 1],
    ["one https://a.example two http://b.example/p。 three www.c.example", 3, 3],
    ["a www. host with any top-level domain: www.example.travel/tours", 1, 1],
    ["記事はこちらhttps://example.jp/記事 と https://example.jp/記事。", 1, 1],
    // Bare domains are links to the client (the safe side), not to the sandbox.
    ["example.com and example.org/page", 2, 0],
  ])("%j: client %i, sandbox %i", (text, client, sandbox) => {
    expect({ client: countLinks(text), sandbox: uniqueLinks(text).length }).toEqual({ client, sandbox });
  });

  it("the client never counts fewer links than the sandbox (property)", () => {
    const pieces = [
      "https://a.example/x",
      "HTTPS://A.EXAMPLE/X",
      "www.b.example",
      "WWW.B.example/",
      "www.example.travel/tours",
      "example.com",
      "?q=1",
      "#top",
      " ",
      "。",
      "、",
      "記事",
      "(",
      ")",
      ".",
      ",",
      "!",
      "x",
      "@",
      "/",
      "「",
      "」",
      "'",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 10 }), (parts) => {
        const text = parts.join("");
        expect(countLinks(text), text).toBeGreaterThanOrEqual(uniqueLinks(text).length);
      }),
      { numRuns: 2000 },
    );
  });

  it("both refuse a sixth link", () => {
    const text = [1, 2, 3, 4, 5, 6].map((n) => `https://site${n}.example/`).join(" ");
    expect(validatePart({ text }, 0).some((i) => i.field === "text")).toBe(true);
    expect(sandboxAccepts({ media_type: "TEXT", text })).toBe(false);
    const five = [1, 2, 3, 4, 5].map((n) => `https://site${n}.example/`).join(" ");
    expect(validatePart({ text: five }, 0)).toEqual([]);
    expect(sandboxAccepts({ media_type: "TEXT", text: five })).toBe(true);
  });
});

describe("reply controls", () => {
  it("the sandbox accepts exactly the values the client sends", () => {
    for (const reply_control of [
      "everyone",
      "accounts_you_follow",
      "mentioned_only",
      "parent_post_author_only",
      "followers_only",
    ] as const) {
      expect(validatePart({ text: "x", reply_control }, 0)).toEqual([]);
      expect(sandboxAccepts({ media_type: "TEXT", text: "x", reply_control: reply_control })).toBe(true);
    }
    expect(validatePart({ text: "x", reply_control: "nobody" as never }, 0)).not.toEqual([]);
    expect(sandboxAccepts({ media_type: "TEXT", text: "x", reply_control: "nobody" })).toBe(false);
  });
});

describe("text attachments and spoilers: the client is at least as strict as the sandbox", () => {
  /** The part as the client would send it (its parent container), checked by the sandbox. */
  const sandboxTakes = (part: PostPart) => {
    const fields = containerFormFields(containerParamsFor(part).parent);
    const params = Object.fromEntries(
      Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined),
    );
    // A media container needs its URL; a carousel's parent its children (ids are checked later, with state).
    if (params.media_type === "CAROUSEL") params.children = "1,2";
    return sandboxAccepts(params);
  };
  const clientTakes = (part: PostPart) => validatePart(part, 0).length === 0;
  const spoiler = (offset: number, length: number) => ({ entity_type: "SPOILER" as const, offset, length });
  const five = [1, 2, 3, 4, 5].map((n) => `https://site${n}.example/`).join(" ");

  it.each<[string, PostPart, { client: boolean; sandbox: boolean }]>([
    [
      "a spoiler over 🍣",
      { text: "今日は🍣です", text_entities: [spoiler(3, 2)] },
      { client: true, sandbox: true },
    ],
    [
      "a spoiler cutting 🍣",
      { text: "今日は🍣です", text_entities: [spoiler(3, 1)] },
      { client: false, sandbox: false },
    ],
    // Inside a ZWJ family no surrogate pair is cut: the sandbox takes it, the client (whole characters) does not.
    [
      "a spoiler inside 👨‍👩‍👧",
      { text: "👨‍👩‍👧", text_entities: [spoiler(0, 2)] },
      { client: false, sandbox: true },
    ],
    [
      "a spoiler over 👨‍👩‍👧",
      { text: "家族👨‍👩‍👧", text_entities: [spoiler(2, 8)] },
      { client: true, sandbox: true },
    ],
    [
      "a spoiler cutting a combining mark",
      { text: "cafe\u0301", text_entities: [spoiler(0, 4)] },
      { client: false, sandbox: true },
    ],
    [
      "a spoiler past the end",
      { text: "漢字", text_entities: [spoiler(1, 2)] },
      { client: false, sandbox: false },
    ],
    [
      "touching spoilers",
      { text: "漢字かな", text_entities: [spoiler(0, 2), spoiler(2, 2)] },
      { client: true, sandbox: true },
    ],
    [
      "overlapping spoilers",
      { text: "漢字かな", text_entities: [spoiler(0, 3), spoiler(2, 2)] },
      { client: false, sandbox: false },
    ],
    [
      "a spoiler on a text of spaces (not sent)",
      { text: "  ", text_entities: [spoiler(0, 1)] },
      { client: false, sandbox: false },
    ],
    [
      "10 spoilers",
      { text: "あいうえおかきくけこ", text_entities: Array.from({ length: 10 }, (_, i) => spoiler(i, 1)) },
      { client: true, sandbox: true },
    ],
    [
      "11 spoilers",
      { text: "あいうえおかきくけこさ", text_entities: Array.from({ length: 11 }, (_, i) => spoiler(i, 1)) },
      { client: false, sandbox: false },
    ],
    [
      "an attachment of 10,000 with an emoji",
      { text: "x", text_attachment: { plaintext: `${"あ".repeat(9996)}🍣` } },
      { client: true, sandbox: true },
    ],
    [
      "an attachment of 10,001 with an emoji",
      { text: "x", text_attachment: { plaintext: `${"あ".repeat(9997)}🍣` } },
      { client: false, sandbox: false },
    ],
    [
      "five links and the same link in the attachment",
      { text: five, text_attachment: { plaintext: "p", link_attachment_url: "https://SITE1.example" } },
      { client: true, sandbox: true },
    ],
    [
      "five links and another in the attachment",
      { text: five, text_attachment: { plaintext: "p", link_attachment_url: "https://site6.example" } },
      { client: false, sandbox: false },
    ],
    [
      "four bare domains and an attachment link (the client counts bare domains)",
      {
        text: "a.com b.com c.com d.com e.com",
        text_attachment: { plaintext: "p", link_attachment_url: "https://f.example" },
      },
      { client: false, sandbox: true },
    ],
    [
      "an attachment with a poll",
      { text: "x", text_attachment: { plaintext: "p" }, poll_attachment: { option_a: "a", option_b: "b" } },
      { client: false, sandbox: false },
    ],
    [
      "a link attachment and an attachment link",
      {
        text: "x",
        link_attachment: "https://a.example",
        text_attachment: { plaintext: "p", link_attachment_url: "https://b.example" },
      },
      { client: false, sandbox: false },
    ],
    [
      "overlapping styles",
      {
        text: "x",
        text_attachment: {
          plaintext: "abcdef",
          text_with_styling_info: [
            { offset: 0, length: 3, styling_info: ["bold"] },
            { offset: 2, length: 2, styling_info: ["italic"] },
          ],
        },
      },
      { client: false, sandbox: false },
    ],
    [
      "a carousel with a media spoiler",
      {
        media: [
          { kind: "IMAGE", url: "https://e.example/1.jpg" },
          { kind: "IMAGE", url: "https://e.example/2.jpg" },
        ],
        is_spoiler_media: true,
      },
      { client: true, sandbox: true },
    ],
  ])("%s", (_, part, expected) => {
    expect({ client: clientTakes(part), sandbox: sandboxTakes(part) }).toEqual(expected);
  });

  it("a spoiler the client accepts is never refused by the sandbox (property)", () => {
    let accepted = 0;
    const pieces = ["a", "漢", "🍣", "👨‍👩‍👧", "e\u0301", "か\u3099", "🇯🇵", " ", "。"];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(30), fc.integer({ min: 1, max: 12 })), { maxLength: 4 }),
        (parts, ranges) => {
          const part: PostPart = {
            text: parts.join(""),
            text_entities: ranges.map(([o, l]) => spoiler(o, l)),
          };
          if (!clientTakes(part)) return;
          accepted += 1;
          expect(sandboxTakes(part), JSON.stringify(part)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
    expect(accepted, "the property saw accepted spoilers").toBeGreaterThan(50);
  });

  it("a media spoiler on a text post: the client refuses it, the sandbox refuses it if it were sent", () => {
    expect(clientTakes({ text: "x", is_spoiler_media: true })).toBe(false);
    expect(sandboxAccepts({ media_type: "TEXT", text: "x", is_spoiler_media: "true" })).toBe(false);
  });
});

function sandboxAccepts(params: Record<string, string>): boolean {
  try {
    validateContainerParams(params);
    return true;
  } catch {
    return false;
  }
}

/** The part as the client puts it on the wire (its parent container), as the sandbox receives it. */
function wireOf(part: PostPart, replyToId?: string): Record<string, string> {
  const plan = containerParamsFor(part, replyToId ? { replyToId } : {});
  const parent = plan.children.length > 0 ? { ...plan.parent, children: ["1", "2"] } : plan.parent;
  const form = containerFormFields(parent);
  return Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
}

describe("post options: the client is at least as strict as the sandbox", () => {
  const GIF = { gif_id: "3oEjI6SIIHBdRxXI40", provider: "GIPHY" } as const;
  const image = { kind: "IMAGE", url: "https://cdn.example.com/a.jpg" } as const;
  const poll = { option_a: "a", option_b: "b" };
  /** [what, part, index in its chain, client accepts, sandbox accepts]. */
  const CASES: Array<[string, PostPart, number, boolean, boolean]> = [
    ["a GIF post without text", { gif_attachment: GIF }, 0, true, true],
    ["a GIF with text", { text: "金曜日 🎉", gif_attachment: GIF }, 0, true, true],
    ["a GIF on an image", { media: [image], gif_attachment: GIF }, 0, false, false],
    [
      "a Tenor GIF",
      { text: "x", gif_attachment: { gif_id: "abc", provider: "TENOR" as "GIPHY" } },
      0,
      false,
      false,
    ],
    ["a GIF with a poll", { text: "x", gif_attachment: GIF, poll_attachment: poll }, 0, false, false],
    [
      "a GIF with a link attachment",
      { text: "x", gif_attachment: GIF, link_attachment: "https://e.com" },
      0,
      false,
      false,
    ],
    [
      "a GIF id with a slash",
      { text: "x", gif_attachment: { gif_id: "a/b", provider: "GIPHY" } },
      0,
      false,
      false,
    ],
    [
      "a GIF id of 100 characters",
      { text: "x", gif_attachment: { gif_id: "a".repeat(100), provider: "GIPHY" } },
      0,
      false,
      true,
    ],
    ["a ghost post", { text: "x", is_ghost_post: true }, 0, true, true],
    [
      "a ghost post with a text spoiler",
      {
        text: "spoiler",
        is_ghost_post: true,
        text_entities: [{ entity_type: "SPOILER", offset: 0, length: 3 }],
      },
      0,
      true,
      true,
    ],
    ["a ghost post as a reply", { text: "x", is_ghost_post: true }, 1, false, false],
    ["a ghost post with an image", { media: [image], is_ghost_post: true }, 0, false, false],
    [
      "a ghost post with a topic tag",
      { text: "x", is_ghost_post: true, topic_tag: "Books" },
      0,
      false,
      false,
    ],
    ["a ghost post with a poll", { text: "x", is_ghost_post: true, poll_attachment: poll }, 0, false, false],
    [
      "a ghost post with a location",
      { text: "x", is_ghost_post: true, location_id: "110000000000001" },
      0,
      false,
      false,
    ],
    [
      "a ghost post with reply approvals",
      { text: "x", is_ghost_post: true, enable_reply_approvals: true },
      0,
      false,
      false,
    ],
    [
      "a ghost post with followers_only",
      { text: "x", is_ghost_post: true, reply_control: "followers_only" },
      0,
      false,
      false,
    ],
    [
      "a ghost post with reply_control everyone",
      { text: "x", is_ghost_post: true, reply_control: "everyone" },
      0,
      true,
      true,
    ],
    [
      "a ghost post with countries",
      { text: "x", is_ghost_post: true, allowlisted_country_codes: ["JP"] },
      0,
      false,
      false,
    ],
    [
      "a ghost post shared to IG",
      { text: "x", is_ghost_post: true, crossreshare_to_ig: true },
      0,
      false,
      false,
    ],
    ["a ghost post quoting", { text: "x", is_ghost_post: true, quote_post_id: "1805" }, 0, false, false],
    ["a known place", { text: "x", location_id: "110000000000003" }, 0, true, true],
    // The client cannot know the catalogue of places; the sandbox (as Threads) refuses an unknown one.
    ["an unknown but well-formed place", { text: "x", location_id: "123456" }, 0, true, false],
    ["a place id with spaces", { text: "x", location_id: "Shibuya Station" }, 0, false, false],
    ["reply approvals on a carousel", { media: [image, image], enable_reply_approvals: true }, 0, true, true],
    ["countries JP and TW", { text: "x", allowlisted_country_codes: ["JP", "TW"] }, 0, true, true],
    ["a country twice", { text: "x", allowlisted_country_codes: ["JP", "JP"] }, 0, false, true],
    [
      "a share to IG on a video",
      { media: [{ kind: "VIDEO", url: "https://e.com/v.mp4" }], crossreshare_to_ig: true },
      0,
      true,
      true,
    ],
  ];

  it.each(CASES)("%s", (_, part, index, client, sandbox) => {
    expect({
      client: validatePart(part, index).length === 0,
      sandbox: sandboxAccepts(wireOf(part, index > 0 ? "18050000000000001" : undefined)),
    }).toEqual({ client, sandbox });
  });

  it("the client never accepts an option the sandbox refuses (every case)", () => {
    const escapes = CASES.filter(
      ([, part, index]) =>
        validatePart(part, index).length === 0 &&
        !sandboxAccepts(wireOf(part, index > 0 ? "18050000000000001" : undefined)),
    ).map(([what]) => what);
    // Only what the client cannot know before asking Threads: whether a place exists.
    expect(escapes).toEqual(["an unknown but well-formed place"]);
  });

  it("both take exactly the same country codes, out of every pair of letters in either case", () => {
    const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const disagree: string[] = [];
    let accepted = 0;
    for (const a of letters) {
      for (const b of letters) {
        for (const code of [a + b, (a + b).toLowerCase(), a + b.toLowerCase()]) {
          const part: PostPart = { text: "x", allowlisted_country_codes: [code] };
          const client = validatePart(part, 0).length === 0;
          const sandbox = sandboxAccepts(wireOf(part));
          if (client !== sandbox) disagree.push(code);
          if (client) accepted += 1;
        }
      }
    }
    expect(disagree).toEqual([]);
    expect(accepted).toBe(COUNTRY_CODES.length);
  });
});
