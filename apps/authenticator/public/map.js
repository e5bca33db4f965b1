/**
 * A small static map for a sign-in request: simplified outlines of Great Britain and Ireland, drawn offline
 * (no tiles, no network), and a dot where the approximate location is. Locations come from Verity as text
 * ("Leeds, England, United Kingdom"); a town it knows gets a dot, otherwise the nation's middle gets a wider
 * circle, and anywhere outside the UK gets no dot.
 */

/** [longitude, latitude] around Great Britain, clockwise from Dunnet Head. */
// prettier-ignore
const GREAT_BRITAIN = [
  [-3.37, 58.67], [-3.05, 58.64], [-3.1, 58.3], [-3.9, 57.95], [-4.2, 57.5], [-3.1, 57.68], [-2.0, 57.69],
  [-1.78, 57.5], [-2.1, 57.15], [-2.45, 56.7], [-2.9, 56.46], [-2.6, 56.27], [-3.2, 55.98], [-2.13, 55.9],
  [-1.7, 55.6], [-1.42, 55.0], [-1.15, 54.63], [-0.4, 54.28], [-0.08, 54.1], [0.11, 53.58], [0.34, 53.14],
  [0.2, 52.9], [0.5, 52.95], [1.3, 52.93], [1.73, 52.6], [1.75, 52.45], [1.35, 51.96], [1.2, 51.8],
  [0.7, 51.54], [0.5, 51.45], [1.4, 51.38], [1.3, 51.12], [0.97, 50.91], [0.28, 50.74], [-0.8, 50.75],
  [-1.3, 50.8], [-2.0, 50.6], [-2.45, 50.6], [-3.4, 50.6], [-3.65, 50.22], [-4.2, 50.35], [-5.05, 50.0],
  [-5.7, 50.05], [-5.05, 50.4], [-4.5, 51.02], [-4.2, 51.2], [-3.0, 51.35], [-2.7, 51.55], [-3.2, 51.45],
  [-3.95, 51.6], [-4.3, 51.55], [-5.18, 51.68], [-5.3, 51.88], [-4.65, 52.1], [-4.08, 52.41], [-4.1, 52.75],
  [-4.77, 52.8], [-4.3, 53.1], [-4.68, 53.31], [-4.3, 53.42], [-3.83, 53.33], [-3.1, 53.4], [-3.0, 53.65],
  [-3.05, 53.85], [-3.23, 54.1], [-3.64, 54.51], [-3.2, 54.95], [-4.05, 54.83], [-4.4, 54.68],
  [-4.86, 54.63], [-5.15, 54.9], [-4.86, 55.24], [-4.63, 55.46], [-4.76, 55.95], [-5.5, 55.6],
  [-5.8, 55.3], [-5.6, 56.0], [-5.47, 56.41], [-6.22, 56.73], [-5.83, 57.0], [-5.7, 57.28], [-5.7, 57.73],
  [-5.16, 57.9], [-5.24, 58.15], [-5.0, 58.62], [-4.75, 58.57], [-4.4, 58.55],
];

/** [longitude, latitude] around the island of Ireland, clockwise from Fair Head. */
// prettier-ignore
const IRELAND = [
  [-6.2, 55.25], [-5.8, 54.85], [-5.9, 54.65], [-5.45, 54.55], [-5.6, 54.25], [-5.9, 54.05], [-6.35, 54.0],
  [-6.1, 53.35], [-6.0, 52.95], [-6.37, 52.17], [-7.0, 52.15], [-8.3, 51.8], [-9.8, 51.45], [-10.35, 51.9],
  [-10.45, 52.15], [-9.65, 52.57], [-9.0, 53.2], [-10.15, 53.45], [-10.1, 54.25], [-8.5, 54.3],
  [-8.7, 54.65], [-8.3, 55.15], [-7.3, 55.38], [-7.05, 55.2],
];

/** Towns and cities, [longitude, latitude], by lower-case name. */
// prettier-ignore
const PLACES = {
  london: [-0.13, 51.51], birmingham: [-1.9, 52.48], manchester: [-2.24, 53.48], leeds: [-1.55, 53.8],
  liverpool: [-2.98, 53.41], sheffield: [-1.47, 53.38], bristol: [-2.59, 51.45], newcastle: [-1.61, 54.98],
  'newcastle upon tyne': [-1.61, 54.98], nottingham: [-1.15, 52.95], leicester: [-1.13, 52.64],
  southampton: [-1.4, 50.9], portsmouth: [-1.09, 50.8], brighton: [-0.14, 50.82], plymouth: [-4.14, 50.38],
  norwich: [1.3, 52.63], cambridge: [0.12, 52.2], oxford: [-1.26, 51.75], york: [-1.08, 53.96],
  hull: [-0.34, 53.74], 'kingston upon hull': [-0.34, 53.74], exeter: [-3.53, 50.72],
  coventry: [-1.51, 52.41], reading: [-0.97, 51.45], 'milton keynes': [-0.76, 52.04],
  bradford: [-1.75, 53.79], 'stoke-on-trent': [-2.18, 53.0], derby: [-1.48, 52.92], preston: [-2.7, 53.76],
  carlisle: [-2.93, 54.89], middlesbrough: [-1.23, 54.57], sunderland: [-1.38, 54.91],
  ipswich: [1.15, 52.06], truro: [-5.05, 50.26], gloucester: [-2.24, 51.86], lincoln: [-0.54, 53.23],
  bournemouth: [-1.88, 50.72], swindon: [-1.78, 51.56], peterborough: [-0.24, 52.57],
  wolverhampton: [-2.13, 52.59], bolton: [-2.43, 53.58], luton: [-0.42, 51.88], slough: [-0.59, 51.51],
  edinburgh: [-3.19, 55.95], glasgow: [-4.25, 55.86], aberdeen: [-2.1, 57.15], dundee: [-2.97, 56.46],
  inverness: [-4.22, 57.48], stirling: [-3.94, 56.12], perth: [-3.44, 56.4], cardiff: [-3.18, 51.48],
  swansea: [-3.94, 51.62], newport: [-3.0, 51.58], wrexham: [-2.99, 53.05], bangor: [-4.13, 53.23],
  aberystwyth: [-4.08, 52.41], belfast: [-5.93, 54.6], derry: [-7.31, 55.0], londonderry: [-7.31, 55.0],
  newry: [-6.34, 54.18],
};

/** The middle of each UK nation, and of the UK, [longitude, latitude]. */
const REGIONS = {
  england: [-1.5, 52.6],
  scotland: [-4.2, 56.8],
  wales: [-3.7, 52.3],
  'northern ireland': [-6.7, 54.65],
  'united kingdom': [-2.5, 54.0],
};

const WIDTH = 192;
const HEIGHT = 240;
/** An equirectangular projection squeezed for latitude 55°N: good enough for a dot. */
const SCALE = 25;
const X_SQUEEZE = Math.cos((55 * Math.PI) / 180);

/**
 * @param {number[]} point [longitude, latitude]
 * @returns {{x: number, y: number}}
 */
export function project([longitude = 0, latitude = 0]) {
  return {
    x: Math.round(((longitude + 10.7) * X_SQUEEZE * SCALE + 5) * 10) / 10,
    y: Math.round(((59.0 - latitude) * SCALE + 5) * 10) / 10,
  };
}

/** @param {number[][]} points */
function outline(points) {
  return (
    points
      .map((point, i) => {
        const { x, y } = project(point);
        return `${i === 0 ? 'M' : 'L'}${x} ${y}`;
      })
      .join(' ') + ' Z'
  );
}

export const MAP = {
  viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
  greatBritain: outline(GREAT_BRITAIN),
  ireland: outline(IRELAND),
};

/**
 * Where on the map a location is, and how precisely: a town gets a dot, a nation or just the UK a circle.
 * @param {string | null | undefined} location e.g. "Leeds, England, United Kingdom"
 * @returns {{x: number, y: number, radius: number} | null} null outside the UK or when unknown
 */
export function locate(location) {
  if (!location) return null;
  const parts = location.split(',').map((part) => part.trim().toLowerCase());
  if (parts[parts.length - 1] !== 'united kingdom') return null;
  /** @type {Record<string, number[]>} */
  const places = PLACES;
  /** @type {Record<string, number[]>} */
  const regions = REGIONS;
  const town = parts.length > 2 ? places[parts[0] ?? ''] : undefined;
  if (town) return { ...project(town), radius: 4 };
  const region = parts.find((part) => part in regions);
  if (!region) return null;
  return { ...project(regions[region] ?? []), radius: region === 'united kingdom' ? 40 : 18 };
}
