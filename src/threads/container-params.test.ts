import { describe, expect, it } from "vitest";
import { containerFormFields, containerParamsFor } from "./container-params.js";

describe("containerParamsFor", () => {
  it("maps a text part with its options to one TEXT container", () => {
    const { parent, children } = containerParamsFor(
      {
        text: "hello",
        topic_tag: "Books",
        link_attachment: "https://example.com",
        reply_control: "mentioned_only",
        quote_post_id: "42",
      },
      { replyToId: "9" },
    );
    expect(children).toEqual([]);
    expect(parent).toMatchObject({
      mediaType: "TEXT",
      text: "hello",
      topicTag: "Books",
      linkAttachment: "https://example.com",
      replyControl: "mentioned_only",
      quotePostId: "42",
      replyToId: "9",
    });
  });

  it("maps one image or video to a single media container with alt text", () => {
    expect(
      containerParamsFor({
        text: " ",
        media: [{ kind: "VIDEO", url: "https://e.com/v.mp4", alt_text: "a clip" }],
      }).parent,
    ).toMatchObject({
      mediaType: "VIDEO",
      videoUrl: "https://e.com/v.mp4",
      altText: "a clip",
      text: undefined,
    });
    expect(
      containerParamsFor({ media: [{ kind: "IMAGE", url: "https://e.com/i.jpg" }] }).parent,
    ).toMatchObject({
      mediaType: "IMAGE",
      imageUrl: "https://e.com/i.jpg",
    });
  });

  it("maps a carousel to children marked as items and a CAROUSEL parent carrying the post options", () => {
    const { parent, children } = containerParamsFor(
      {
        text: "three",
        topic_tag: "Art",
        media: [
          { kind: "IMAGE", url: "https://e.com/1.jpg", alt_text: "one" },
          { kind: "VIDEO", url: "https://e.com/2.mp4" },
          { kind: "IMAGE", url: "https://e.com/3.jpg" },
        ],
      },
      { replyToId: "7" },
    );
    expect(children).toEqual([
      expect.objectContaining({
        mediaType: "IMAGE",
        imageUrl: "https://e.com/1.jpg",
        isCarouselItem: true,
        altText: "one",
      }),
      expect.objectContaining({ mediaType: "VIDEO", videoUrl: "https://e.com/2.mp4", isCarouselItem: true }),
      expect.objectContaining({ mediaType: "IMAGE", imageUrl: "https://e.com/3.jpg", isCarouselItem: true }),
    ]);
    for (const child of children) expect(child.replyToId).toBeUndefined();
    expect(parent).toMatchObject({
      mediaType: "CAROUSEL",
      text: "three",
      topicTag: "Art",
      replyToId: "7",
      children: [],
    });
  });
});

describe("containerFormFields", () => {
  it("spells the parameters as the API does", () => {
    expect(
      containerFormFields({
        mediaType: "CAROUSEL",
        text: "t",
        children: ["1", "2"],
        replyToId: "5",
        replyControl: "everyone",
        topicTag: "x",
        quotePostId: "3",
      }),
    ).toMatchObject({
      media_type: "CAROUSEL",
      text: "t",
      children: "1,2",
      reply_to_id: "5",
      reply_control: "everyone",
      topic_tag: "x",
      quote_post_id: "3",
      is_carousel_item: undefined,
    });
    expect(
      containerFormFields({ mediaType: "IMAGE", imageUrl: "u", isCarouselItem: true, altText: "a" }),
    ).toMatchObject({ media_type: "IMAGE", image_url: "u", is_carousel_item: "true", alt_text: "a" });
  });

  it("sends a poll as a JSON poll_attachment", () => {
    const fields = containerFormFields({
      mediaType: "TEXT",
      text: "pick",
      pollOptions: ["Red", " Blue ", "Green"],
    });
    expect(JSON.parse(fields.poll_attachment!)).toEqual({
      option_a: "Red",
      option_b: "Blue",
      option_c: "Green",
    });
  });
});

describe("post options on the wire (GIF, ghost, location, reply approvals, geo-gating, share to IG)", () => {
  const wire = (part: Parameters<typeof containerParamsFor>[0]) =>
    containerFormFields(containerParamsFor(part).parent);

  it("sends a GIF as a JSON gif_attachment, a GIF post without text", () => {
    const fields = wire({ gif_attachment: { gif_id: "3oEjI6SIIHBdRxXI40", provider: "GIPHY" } });
    expect(fields.media_type).toBe("TEXT");
    expect(fields.text).toBeUndefined();
    expect(JSON.parse(fields.gif_attachment!)).toEqual({ gif_id: "3oEjI6SIIHBdRxXI40", provider: "GIPHY" });
  });

  it("sends the flags as true, the location as is and the countries comma-separated", () => {
    expect(
      wire({
        text: "こんにちは",
        is_ghost_post: true,
        location_id: "110000000000001",
        enable_reply_approvals: true,
        allowlisted_country_codes: ["JP", "TW"],
        crossreshare_to_ig: true,
        reply_control: "parent_post_author_only",
      }),
    ).toMatchObject({
      is_ghost_post: "true",
      location_id: "110000000000001",
      enable_reply_approvals: "true",
      allowlisted_country_codes: "JP,TW",
      crossreshare_to_ig: "true",
      reply_control: "parent_post_author_only",
    });
  });

  it("sends nothing for false flags or an empty country list (Meta's defaults)", () => {
    const fields = wire({
      text: "x",
      is_ghost_post: false,
      enable_reply_approvals: false,
      crossreshare_to_ig: false,
      allowlisted_country_codes: [],
    });
    for (const key of [
      "gif_attachment",
      "is_ghost_post",
      "location_id",
      "enable_reply_approvals",
      "allowlisted_country_codes",
      "crossreshare_to_ig",
    ]) {
      expect(fields[key], key).toBeUndefined();
    }
  });

  it("puts a carousel's post options on the parent, never on its items", () => {
    const plan = containerParamsFor({
      text: "旅行",
      media: [
        { kind: "IMAGE", url: "https://e.com/1.jpg" },
        { kind: "VIDEO", url: "https://e.com/2.mp4" },
      ],
      location_id: "110000000000002",
      enable_reply_approvals: true,
      allowlisted_country_codes: ["JP"],
      crossreshare_to_ig: true,
    });
    expect(containerFormFields({ ...plan.parent, children: ["1", "2"] })).toMatchObject({
      media_type: "CAROUSEL",
      location_id: "110000000000002",
      enable_reply_approvals: "true",
      allowlisted_country_codes: "JP",
      crossreshare_to_ig: "true",
    });
    for (const child of plan.children) {
      const fields = containerFormFields(child);
      expect(fields.location_id).toBeUndefined();
      expect(fields.enable_reply_approvals).toBeUndefined();
      expect(fields.allowlisted_country_codes).toBeUndefined();
      expect(fields.crossreshare_to_ig).toBeUndefined();
    }
  });
});

describe("text attachments and spoilers on the wire", () => {
  const textEntities = [{ entity_type: "SPOILER" as const, offset: 3, length: 2 }];

  it("sends a text attachment and spoilers as JSON strings on a TEXT container", () => {
    const attachment = {
      plaintext: "長い文章🍣",
      link_attachment_url: "https://example.jp/記事",
      text_with_styling_info: [{ offset: 0, length: 2, styling_info: ["bold"] }],
    };
    const { parent } = containerParamsFor({
      text: "犯人は🍣屋",
      text_attachment: attachment,
      text_entities: textEntities,
    });
    expect(parent).toMatchObject({ mediaType: "TEXT", textAttachment: attachment, textEntities });
    expect(parent.isSpoilerMedia).toBeUndefined();
    const fields = containerFormFields(parent);
    expect(JSON.parse(fields.text_attachment!)).toEqual(attachment);
    expect(JSON.parse(fields.text_entities!)).toEqual(textEntities);
    expect(fields.is_spoiler_media).toBeUndefined();
  });

  it("sends is_spoiler_media=true on an image and on the carousel parent, not on its children", () => {
    const image = { kind: "IMAGE" as const, url: "https://e.com/1.jpg" };
    const single = containerParamsFor({ media: [image], is_spoiler_media: true });
    expect(containerFormFields(single.parent)).toMatchObject({
      media_type: "IMAGE",
      is_spoiler_media: "true",
    });
    const carousel = containerParamsFor({
      text: "ネタバレ",
      media: [image, { kind: "VIDEO", url: "https://e.com/2.mp4" }],
      is_spoiler_media: true,
      text_entities: [{ entity_type: "spoiler", offset: 0, length: 4 }],
    });
    expect(containerFormFields(carousel.parent)).toMatchObject({
      media_type: "CAROUSEL",
      is_spoiler_media: "true",
      text_entities: '[{"entity_type":"spoiler","offset":0,"length":4}]',
    });
    for (const child of carousel.children) {
      expect(containerFormFields(child)).toMatchObject({
        is_spoiler_media: undefined,
        text_entities: undefined,
      });
    }
  });

  it("sends nothing for no spoilers, an empty spoiler list or is_spoiler_media=false", () => {
    const fields = containerFormFields(
      containerParamsFor({
        media: [{ kind: "VIDEO", url: "https://e.com/v.mp4" }],
        is_spoiler_media: false,
        text_entities: [],
      }).parent,
    );
    expect(fields).toMatchObject({
      is_spoiler_media: undefined,
      text_entities: undefined,
      text_attachment: undefined,
    });
    // A media spoiler on a text post (refused by the preflight) is not sent either.
    expect(
      containerFormFields(containerParamsFor({ text: "x", is_spoiler_media: true }).parent).is_spoiler_media,
    ).toBe(undefined);
  });
});
