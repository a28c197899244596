/** Where the deployment serves residents: the union of its districts, or a bounding box while there are none. */
export interface ServiceArea {
  covers(lat: number, lon: number): boolean;
  /** Named in the refusal, e.g. "Bielsko-Biała i powiat bielski". */
  describe(): string;
}

export function bboxServiceArea([west, south, east, north]: readonly [number, number, number, number], name: string): ServiceArea {
  return {
    covers: (lat, lon) => lon >= west && lon <= east && lat >= south && lat <= north,
    describe: () => name,
  };
}

/** The union of the districts once there are any; the configured box until then. */
export function serviceArea(
  districts: { size: number; covers(lat: number, lon: number): boolean },
  config: { SERVICE_AREA_BBOX: readonly [number, number, number, number]; SERVICE_AREA_NAME: string },
): ServiceArea {
  const box = bboxServiceArea(config.SERVICE_AREA_BBOX, config.SERVICE_AREA_NAME);
  return {
    covers: (lat, lon) => (districts.size > 0 ? districts.covers(lat, lon) : box.covers(lat, lon)),
    describe: () => config.SERVICE_AREA_NAME,
  };
}
