/** Places the sandbox knows (location search and location_id). Ids are digit strings as Meta's. */
export interface SandboxPlace {
  id: string;
  name: string;
  address?: string;
  city?: string;
  country?: string;
  latitude: number;
  longitude: number;
  postal_code?: string;
}
export const PLACES: readonly SandboxPlace[] = [
  {
    id: "110000000000001",
    name: "Shibuya Station",
    address: "2 Chome Dogenzaka",
    city: "Shibuya, Tokyo",
    country: "Japan",
    latitude: 35.658,
    longitude: 139.7016,
    postal_code: "150-0043",
  },
  {
    id: "110000000000002",
    name: "東京タワー",
    address: "芝公園4丁目2-8",
    city: "港区",
    country: "Japan",
    latitude: 35.6586,
    longitude: 139.7454,
    postal_code: "105-0011",
  },
  {
    id: "110000000000003",
    name: "Facebook Headquarters",
    address: "1 Hacker Way",
    city: "Menlo Park",
    country: "United States",
    latitude: 37.4848,
    longitude: -122.1484,
    postal_code: "94025",
  },
  {
    id: "110000000000004",
    name: "渋谷スクランブル交差点",
    address: "道玄坂2丁目",
    city: "渋谷区",
    country: "Japan",
    latitude: 35.6595,
    longitude: 139.7005,
    postal_code: "150-0043",
  },
  {
    id: "110000000000005",
    name: "SHIBUYA SKY (渋谷スカイ)",
    address: "渋谷2丁目24-12 渋谷スクランブルスクエア",
    city: "渋谷区",
    country: "Japan",
    latitude: 35.6585,
    longitude: 139.7022,
    postal_code: "150-0002",
  },
  {
    id: "110000000000006",
    name: "明治神宮",
    address: "代々木神園町1-1",
    city: "渋谷区",
    country: "Japan",
    latitude: 35.6764,
    longitude: 139.6993,
    postal_code: "151-8557",
  },
  {
    id: "110000000000007",
    name: "Tokyo Skytree",
    address: "1 Chome-1-2 Oshiage",
    city: "Sumida, Tokyo",
    country: "Japan",
    latitude: 35.7101,
    longitude: 139.8107,
    postal_code: "131-0045",
  },
  {
    id: "110000000000008",
    name: "浅草寺",
    address: "浅草2丁目3-1",
    city: "台東区",
    country: "Japan",
    latitude: 35.7148,
    longitude: 139.7967,
    postal_code: "111-0032",
  },
  {
    id: "110000000000009",
    name: "Shinjuku Gyoen National Garden",
    address: "11 Naitomachi",
    city: "Shinjuku, Tokyo",
    country: "Japan",
    latitude: 35.6852,
    longitude: 139.71,
    postal_code: "160-0014",
  },
  {
    id: "110000000000010",
    name: "新宿駅",
    address: "新宿3丁目38-1",
    city: "新宿区",
    country: "Japan",
    latitude: 35.6896,
    longitude: 139.7006,
    postal_code: "160-0022",
  },
  {
    id: "110000000000011",
    name: "Tokyo Station",
    address: "1 Chome Marunouchi",
    city: "Chiyoda, Tokyo",
    country: "Japan",
    latitude: 35.6812,
    longitude: 139.7671,
    postal_code: "100-0005",
  },
  {
    id: "110000000000012",
    name: "伏見稲荷大社",
    address: "深草藪之内町68",
    city: "京都市伏見区",
    country: "Japan",
    latitude: 34.9671,
    longitude: 135.7727,
    postal_code: "612-0882",
  },
  {
    id: "110000000000013",
    name: "Kiyomizu-dera",
    address: "1 Chome-294 Kiyomizu",
    city: "Higashiyama, Kyoto",
    country: "Japan",
    latitude: 34.9949,
    longitude: 135.785,
    postal_code: "605-0862",
  },
  {
    id: "110000000000014",
    name: "京都駅",
    address: "東塩小路町",
    city: "京都市下京区",
    country: "Japan",
    latitude: 34.9858,
    longitude: 135.7588,
    postal_code: "600-8216",
  },
  {
    id: "110000000000015",
    name: "大阪城",
    address: "大阪城1-1",
    city: "大阪市中央区",
    country: "Japan",
    latitude: 34.6873,
    longitude: 135.5262,
    postal_code: "540-0002",
  },
  {
    id: "110000000000016",
    name: "Dotonbori",
    address: "Dotonbori 1 Chome",
    city: "Chuo, Osaka",
    country: "Japan",
    latitude: 34.6687,
    longitude: 135.5013,
    postal_code: "542-0071",
  },
  {
    id: "110000000000017",
    name: "札幌時計台",
    address: "北1条西2丁目",
    city: "札幌市中央区",
    country: "Japan",
    latitude: 43.0626,
    longitude: 141.3536,
    postal_code: "060-0001",
  },
  {
    id: "110000000000018",
    name: "Itsukushima Shrine (厳島神社)",
    address: "1-1 Miyajimacho",
    city: "Hatsukaichi, Hiroshima",
    country: "Japan",
    latitude: 34.2959,
    longitude: 132.3198,
    postal_code: "739-0588",
  },
  {
    id: "110000000000019",
    name: "那覇空港",
    address: "鏡水150",
    city: "那覇市",
    country: "Japan",
    latitude: 26.2064,
    longitude: 127.6465,
    postal_code: "901-0142",
  },
  {
    id: "110000000000020",
    name: "名古屋城",
    address: "本丸1-1",
    city: "名古屋市中区",
    country: "Japan",
    latitude: 35.1856,
    longitude: 136.8997,
    postal_code: "460-0031",
  },
  {
    id: "110000000000021",
    name: "Blue Bottle Coffee Shibuya Cafe",
    address: "1 Chome-3 Jinnan",
    city: "Shibuya, Tokyo",
    country: "Japan",
    latitude: 35.6633,
    longitude: 139.6993,
    postal_code: "150-0041",
  },
  {
    id: "110000000000022",
    name: "Menlo Park Caltrain Station",
    address: "1120 Merrill St",
    city: "Menlo Park",
    country: "United States",
    latitude: 37.4545,
    longitude: -122.1823,
    postal_code: "94025",
  },
  {
    id: "110000000000023",
    name: "Eiffel Tower",
    address: "Champ de Mars, 5 Av. Anatole France",
    city: "Paris",
    country: "France",
    latitude: 48.8584,
    longitude: 2.2945,
    postal_code: "75007",
  },
  {
    id: "110000000000024",
    name: "Times Square",
    address: "Manhattan",
    city: "New York",
    country: "United States",
    latitude: 40.758,
    longitude: -73.9855,
    postal_code: "10036",
  },
];
export function isKnownLocation(id: string): boolean {
  return PLACES.some((p) => p.id === id);
}

/** How many places a search answers at most (Meta's page size is not documented for this endpoint; UNVERIFIED). */
export const PLACE_SEARCH_LIMIT = 25;

/**
 * The sandbox's location search, pure: places whose name, address or city contains `q` (case-insensitive, after
 * Unicode NFKC so full-width and half-width forms match, Japanese included); with a point, nearest first (places
 * without `q` are all candidates then), else in the order of PLACES. At least one of `q` or the point is needed
 * (the route checks it).
 */
export function searchPlaces(q?: string, lat?: number, lng?: number): SandboxPlace[] {
  const needle = q === undefined ? "" : fold(q);
  const matches = PLACES.filter(
    (p) =>
      needle === "" || [p.name, p.address, p.city].some((s) => s !== undefined && fold(s).includes(needle)),
  );
  if (lat === undefined || lng === undefined) return matches.slice(0, PLACE_SEARCH_LIMIT);
  return matches
    .map((place) => ({ place, km: distanceKm(lat, lng, place.latitude, place.longitude) }))
    .sort((a, b) => a.km - b.km)
    .slice(0, PLACE_SEARCH_LIMIT)
    .map((m) => m.place);
}

function fold(s: string): string {
  return s.normalize("NFKC").toLowerCase().trim();
}

/** Great-circle distance (haversine), in km. */
export function distanceKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLng = (lng2 - lng1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}
