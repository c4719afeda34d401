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
];
export function isKnownLocation(id: string): boolean {
  return PLACES.some((p) => p.id === id);
}
