/**
 * The world's shapes as signed distance functions in unit coordinates: the shape's centre at the
 * origin, y pointing down, every shape inside the square [-1, 1]². Negative inside, positive outside,
 * in units of the shape's radius. Polygons use the exact polygon distance (segment distances, sign by
 * even–odd crossings), the rest are unions of circles and polygons: a few lines each in any language.
 */

type Point = readonly [number, number];

/** Signed distance to a closed polygon (any vertex order, convex or not). */
export function polygonDistance(x: number, y: number, vertices: readonly Point[]): number {
  let best = Infinity;
  let inside = false;
  // Squared distances and one square root at the end: Math.hypot is many times slower in V8.
  for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
    const a = vertices[j]!;
    const b = vertices[i]!;
    const ax = a[0];
    const ay = a[1];
    const ex = b[0] - ax;
    const ey = b[1] - ay;
    const h = Math.min(1, Math.max(0, ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)));
    const dx = x - ax - h * ex;
    const dy = y - ay - h * ey;
    best = Math.min(best, dx * dx + dy * dy);
    if (ay > y !== b[1] > y && x < ax + ((y - ay) * ex) / ey) inside = !inside;
  }
  return inside ? -Math.sqrt(best) : Math.sqrt(best);
}

/** Vertices on a circle of `radius`, the first straight up, going clockwise on screen. */
const regular = (count: number, radius: (i: number) => number): Point[] =>
  Array.from({ length: count }, (_, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / count;
    return [radius(i) * Math.cos(angle), radius(i) * Math.sin(angle)];
  });

/** Equilateral, apex up, circumradius 1 (its centroid is the origin, its box centre is not). */
const TRIANGLE = regular(3, () => 1);
/** Five points, outer radius 1, inner 0.45. */
const STAR = regular(10, (i) => (i % 2 === 0 ? 1 : 0.45));
const SQUARE: Point[] = [
  [-0.8, -0.8],
  [0.8, -0.8],
  [0.8, 0.8],
  [-0.8, 0.8],
];
const DIAMOND: Point[] = [
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
];
/** A plus sign: arms 0.9 long and 0.3 wide from the centre. */
const CROSS: Point[] = [
  [-0.3, -0.9],
  [0.3, -0.9],
  [0.3, -0.3],
  [0.9, -0.3],
  [0.9, 0.3],
  [0.3, 0.3],
  [0.3, 0.9],
  [-0.3, 0.9],
  [-0.3, 0.3],
  [-0.9, 0.3],
  [-0.9, -0.3],
  [-0.3, -0.3],
];

/**
 * Heart: a square of side S standing on a corner, plus two circles of diameter S on its upper edges.
 * It spans 1.56·S tall and 1.71·S wide; S = 1.15 and the shift B centre it in the unit box.
 */
const HEART_S = 1.15;
const HEART_B = 0.0732 * HEART_S;
const HEART_D = HEART_S / Math.SQRT2;
const HEART_SQUARE: Point[] = [
  [0, HEART_B - HEART_D],
  [HEART_D, HEART_B],
  [0, HEART_B + HEART_D],
  [-HEART_D, HEART_B],
];
const HEART_CX = HEART_D / 2;
const HEART_CY = HEART_B - HEART_D / 2;

/** Signed distance of each world shape at unit coordinates (x, y). */
export const SHAPE_DISTANCE: Readonly<Record<string, (x: number, y: number) => number>> = {
  circle: (x, y) => Math.sqrt(x * x + y * y) - 0.9,
  square: (x, y) => polygonDistance(x, y, SQUARE),
  triangle: (x, y) => polygonDistance(x, y, TRIANGLE),
  star: (x, y) => polygonDistance(x, y, STAR),
  diamond: (x, y) => polygonDistance(x, y, DIAMOND),
  heart: (x, y) =>
    Math.min(
      polygonDistance(x, y, HEART_SQUARE),
      Math.sqrt((Math.abs(x) - HEART_CX) ** 2 + (y - HEART_CY) ** 2) - HEART_S / 2,
    ),
  ring: (x, y) => Math.abs(Math.sqrt(x * x + y * y) - 0.7) - 0.25,
  cross: (x, y) => polygonDistance(x, y, CROSS),
};

/** The distance function of a shape; throws a clear error for a shape `world.json` added without one. */
export function shapeDistance(shape: string): (x: number, y: number) => number {
  const sd = SHAPE_DISTANCE[shape];
  if (!sd) throw new Error(`the renderer has no drawing for shape "${shape}": add it to models/world/shapes.ts`);
  return sd;
}
