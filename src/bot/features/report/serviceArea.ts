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
