/**
 * Pictures for the district digest (issue 17), drawn on the server as SVG and rasterised to PNG by resvg.
 * Pure: every word comes from the caller (already translated), nothing is read from the database or sent anywhere.
 */
import { categoryChartSvg, type CategoryChartInput } from "./categoryChart.js";
import { districtMapSvg, type DistrictMapInput } from "./districtMap.js";
import { svgToPng, type Png, type PngOptions } from "./png.js";
import { resultChartSvg, type ResultChartInput } from "./resultChart.js";

export { CATEGORY_CHART_SIZE, categoryChartSvg, OTHER_CODE, type CategoryChartInput } from "./categoryChart.js";
export { CIRCLES_UP_TO, DISTRICT_MAP_SIZE, districtMapSvg, type DistrictMapInput } from "./districtMap.js";
export { svgToPng, svgToRgba, type Png, type PngOptions } from "./png.js";
export { renderPngs } from "./pngWorker.js";
export { RESULT_CHART_SIZE, resultChartSvg, type ResultChartInput } from "./resultChart.js";
export type { PictureLocale } from "./svg.js";

/** 1000 × 600 unless `options.width` says otherwise. */
export const categoryChartPng = (input: CategoryChartInput, options?: PngOptions): Png => svgToPng(categoryChartSvg(input), options);

/** 1000 × 1000 unless `options.width` says otherwise. */
export const districtMapPng = (input: DistrictMapInput, options?: PngOptions): Png => svgToPng(districtMapSvg(input), options);

/** 1000 × 600 (taller with many options) unless `options.width` says otherwise. */
export const resultChartPng = (input: ResultChartInput, options?: PngOptions): Png => svgToPng(resultChartSvg(input), options);
