import { deflateSync } from "node:zlib";

/**
 * Small but real media files generated in code, served under /__sandbox/media/ so demos work offline.
 * Both images are 320×320 (Meta's minimum width) and show the same gradient with a light disc.
 */
const SIZE = 320;

function pixel(x: number, y: number): [number, number, number] {
  const t = (x + y) / (2 * SIZE);
  const dx = x - SIZE / 2;
  const dy = y - SIZE / 2;
  if (dx * dx + dy * dy < (SIZE / 4) ** 2) return [250, 248, 240];
  return [Math.round(30 + 150 * t), Math.round(140 - 60 * t), Math.round(160 + 80 * t)];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function makePng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const raw = Buffer.alloc(SIZE * (1 + SIZE * 3));
  for (let y = 0; y < SIZE; y++) {
    const row = y * (1 + SIZE * 3);
    for (let x = 0; x < SIZE; x++) raw.set(pixel(x, y), row + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Appends bits most-significant first, with JPEG's 0xFF byte stuffing. */
class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private count = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.count = 0;
  }
  finish(): Buffer {
    while (this.count !== 0) this.write(1, 1);
    return Buffer.from(this.bytes);
  }
}

// JPEG's standard luminance DC table: code lengths per category 0–11.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

function canonicalCodes(bits: number[]): { code: number; length: number }[] {
  const codes: { code: number; length: number }[] = [];
  let code = 0;
  bits.forEach((count, i) => {
    for (let k = 0; k < count; k++) codes.push({ code: code++, length: i + 1 });
    code <<= 1;
  });
  return codes;
}

function segment(marker: number, data: number[]): Buffer {
  return Buffer.from([0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff, ...data]);
}

/**
 * A baseline JPEG where each 8×8 block is one flat colour, so only DC coefficients are coded and every
 * AC run is a single end-of-block symbol. Tiny encoder, real file: any decoder opens it.
 */
export function makeJpeg(): Buffer {
  const dcCodes = canonicalCodes(DC_BITS);
  const bw = new BitWriter();
  const previous = [0, 0, 0];
  for (let by = 0; by < SIZE / 8; by++) {
    for (let bx = 0; bx < SIZE / 8; bx++) {
      const [r, g, b] = pixel(bx * 8 + 4, by * 8 + 4);
      const ycc = [
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
      ];
      ycc.forEach((value, comp) => {
        // Flat block: DC = 8 × (value − 128); quantised by 8 it is value − 128.
        const dc = Math.max(-127, Math.min(127, Math.round(value - 128)));
        const diff = dc - previous[comp]!;
        previous[comp] = dc;
        const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
        const huffman = dcCodes[category]!;
        bw.write(huffman.code, huffman.length);
        if (category > 0) bw.write(diff > 0 ? diff : diff + (1 << category) - 1, category);
        bw.write(0, 1); // end of block (the AC table's only symbol)
      });
    }
  }
  const hi = SIZE >> 8;
  const lo = SIZE & 0xff;
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    segment(0xdb, [0x00, ...new Array<number>(64).fill(8)]),
    segment(0xc0, [8, hi, lo, hi, lo, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]),
    segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, 1, ...new Array<number>(15).fill(0), 0x00]),
    segment(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]),
    bw.finish(),
    Buffer.from([0xff, 0xd9]),
  ]);
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(8 + body.length);
  return Buffer.concat([size, Buffer.from(type, "ascii"), body]);
}

/** An MP4 skeleton (ftyp + moov/mvhd + empty mdat): enough for a content-type check, not for playback. */
export function makeMp4(): Buffer {
  const ftyp = box("ftyp", Buffer.from("isom"), Buffer.from([0, 0, 2, 0]), Buffer.from("isomiso2avc1mp41"));
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(1000, 16); // duration: 1 s
  mvhd.writeUInt32BE(0x00010000, 20); // rate 1.0
  mvhd.writeUInt16BE(0x0100, 24); // volume 1.0
  for (const [i, v] of [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].entries()) {
    mvhd.writeUInt32BE(v, 36 + i * 4);
  }
  mvhd.writeUInt32BE(1, 96); // next track id
  return Buffer.concat([ftyp, box("moov", box("mvhd", mvhd)), box("mdat")]);
}

export const SAMPLE_MEDIA: Record<string, { contentType: string; bytes: () => Buffer }> = {
  "sample.jpg": { contentType: "image/jpeg", bytes: lazy(makeJpeg) },
  "sample.png": { contentType: "image/png", bytes: lazy(makePng) },
  "sample.mp4": { contentType: "video/mp4", bytes: lazy(makeMp4) },
};

function lazy(make: () => Buffer): () => Buffer {
  let value: Buffer | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

/** The sample files' URLs on a sandbox at `baseUrl`. */
export function sampleMediaUrls(baseUrl: string): string[] {
  return Object.keys(SAMPLE_MEDIA).map((name) => `${baseUrl}/__sandbox/media/${name}`);
}
