/**
 * Subjects for the quality scenes, built from signed distance fields in image heights (u from the
 * centre line, v from the top). A subject is parts listed back to front; each has a colour, a
 * surface and a roundness, so it is shaded like a solid object lit from the upper left. Thin
 * parts stay at least 0.026 image heights across (about 2 % of a 4:3 frame's width), which a
 * 320×320 model input still resolves.
 */
import type { Rgb } from './scenes';
import { blend, box, disc, fbm, type Field, intersect, limb, polygon, star, subtract, union } from './quality-fields';

const { abs, PI, sin } = Math;

export type Surface = 'skin' | 'hair' | 'fabric' | 'knit' | 'wood' | 'paint' | 'metal' | 'glaze' | 'rubber';

export interface Part {
  field: Field;
  albedo: Rgb;
  surface: Surface;
  /** Radius of the part's rounded cross-section: how far in from its outline the surface turns to face us. */
  round: number;
  /** Shape whose relief shades the part, when not its own outline (a seam follows the ball it is on). */
  relief?: Field;
}

export interface Look {
  /** Multiplies the albedo: the surface's own pattern, in image heights so it scales with the frame. */
  texture(u: number, v: number, seed: number): number;
  specular: number;
  shininess: number;
  /** Which pixel-scale tile: GRAIN, WEAVE or STREAKS. */
  tile: 0 | 1 | 2;
  /** Spread of the pixel-scale tile, in levels. */
  detail: number;
}

export const GRAIN = 0;
export const WEAVE = 1;
export const STREAKS = 2;

export const LOOKS: Record<Surface, Look> = {
  skin: {
    texture: (u, v, s) => 1 + 0.05 * fbm(u * 10, v * 10, s, 3),
    specular: 0.06,
    shininess: 10,
    tile: GRAIN,
    detail: 1.5,
  },
  hair: {
    texture: (u, v, s) => 1 + 0.4 * fbm(u * 120, v * 10, s, 3),
    specular: 0.12,
    shininess: 16,
    tile: STREAKS,
    detail: 8,
  },
  fabric: {
    texture: (u, v, s) =>
      1 + 0.06 * fbm(u * 20, v * 20, s, 3) + 0.08 * sin(2 * PI * (u * 6 + v * 2 + fbm(u * 3, v * 3, s + 5, 2))),
    specular: 0.02,
    shininess: 4,
    tile: WEAVE,
    detail: 6,
  },
  knit: {
    texture: (u, v, s) => 1 + 0.05 * fbm(u * 15, v * 15, s, 3) + 0.06 * sin(2 * PI * u * 90),
    specular: 0.02,
    shininess: 4,
    tile: WEAVE,
    detail: 8,
  },
  wood: {
    texture: (u, v, s) => 1 + 0.1 * sin(2 * PI * (u * 30 + 2 * fbm(u * 2, v * 8, s, 3))),
    specular: 0.08,
    shininess: 12,
    tile: STREAKS,
    detail: 5,
  },
  paint: {
    texture: (u, v, s) => 1 + 0.03 * fbm(u * 30, v * 30, s, 2),
    specular: 0.2,
    shininess: 20,
    tile: GRAIN,
    detail: 2,
  },
  metal: {
    texture: (u, v, s) => 1 + 0.06 * fbm(u * 4, v * 150, s, 2),
    specular: 0.55,
    shininess: 30,
    tile: STREAKS,
    detail: 3,
  },
  glaze: {
    texture: (u, v, s) => 1 + 0.03 * fbm(u * 6, v * 6, s, 2),
    specular: 0.45,
    shininess: 40,
    tile: GRAIN,
    detail: 1.5,
  },
  rubber: {
    texture: (u, v, s) => 1 + 0.07 * fbm(u * 60, v * 60, s, 2),
    specular: 0.12,
    shininess: 10,
    tile: GRAIN,
    detail: 4,
  },
};

export type SubjectKind = 'round' | 'thin' | 'concave' | 'person';
export type SubjectName = 'ball' | 'chair' | 'lamp' | 'crescent' | 'star' | 'bracket' | 'portrait' | 'figure';

export const SUBJECT_KIND: Record<SubjectName, SubjectKind> = {
  ball: 'round',
  chair: 'thin',
  lamp: 'thin',
  crescent: 'concave',
  star: 'concave',
  bracket: 'concave',
  portrait: 'person',
  figure: 'person',
};

export interface Person {
  skin: Rgb;
  hair: Rgb;
  top: Rgb;
  longHair?: boolean;
}

/** A person seen whole, so dressed down to the shoes. */
export interface Standing extends Person {
  bottom: Rgb;
  shoes: Rgb;
}

const line = (field: Field, halfWidth: number): Field => {
  return (x, y) => abs(field(x, y)) - halfWidth;
};

/** A leather ball with dark seams, resting a little right of centre. */
export function ball(colour: Rgb): Part[] {
  const body = disc(0.04, 0.52, 0.27);
  const seam = (field: Field): Part => ({
    field: intersect(body, line(field, 0.006)),
    albedo: [38, 26, 22],
    surface: 'rubber',
    round: 0.27,
    relief: body,
  });
  return [
    { field: body, albedo: colour, surface: 'rubber', round: 0.27 },
    seam(disc(-0.33, 0.52, 0.3)),
    seam(disc(0.41, 0.52, 0.3)),
    seam(box(0.04, 0.52, 0.4, 0.0001, 0, 0.25)),
  ];
}

/** A painted chair seen from the front: legs, rails and slats about 0.03 image heights thick. */
export function chair(colour: Rgb): Part[] {
  const legs = union(
    limb(-0.145, 0.87, 0.014, -0.165, 0.13, 0.015),
    limb(0.145, 0.87, 0.014, 0.165, 0.13, 0.015),
    limb(-0.212, 0.57, 0.016, -0.216, 0.95, 0.013),
    limb(0.212, 0.57, 0.016, 0.216, 0.95, 0.013),
  );
  const rails = union(
    box(0, 0.15, 0.2, 0.036, 0.012),
    box(0, 0.31, 0.18, 0.014, 0.006),
    box(0, 0.81, 0.2, 0.013, 0.005),
    box(-0.06, 0.23, 0.014, 0.07, 0.005),
    box(0.06, 0.23, 0.014, 0.07, 0.005),
  );
  const seat = union(box(0, 0.565, 0.235, 0.028, 0.012), box(0, 0.605, 0.215, 0.02, 0.006));
  return [
    { field: legs, albedo: colour, surface: 'paint', round: 0.013 },
    { field: rails, albedo: colour, surface: 'paint', round: 0.014 },
    { field: seat, albedo: colour, surface: 'paint', round: 0.02 },
  ];
}

/** A floor lamp: a fabric shade on a thin pole standing on a heavy round base. */
export function lamp(shade: Rgb, metal: Rgb): Part[] {
  return [
    { field: box(0, 0.945, 0.11, 0.02, 0.015), albedo: metal, surface: 'metal', round: 0.02 },
    { field: limb(0, 0.94, 0.013, 0, 0.3, 0.013), albedo: metal, surface: 'metal', round: 0.013 },
    { field: disc(0, 0.075, 0.016), albedo: metal, surface: 'metal', round: 0.016 },
    {
      field: polygon(
        [
          [-0.085, 0.085],
          [0.085, 0.085],
          [0.16, 0.33],
          [-0.16, 0.33],
        ],
        0.006,
      ),
      albedo: shade,
      surface: 'fabric',
      round: 0.085,
      // A shade is a cone: it turns away from us across, not up and down.
      relief: (x, y) => abs(x) - (0.085 + (0.075 * (y - 0.085)) / 0.245),
    },
  ];
}

/** A glazed ceramic crescent moon: a disc with a larger bite taken out, tapering to two points. */
export function crescent(colour: Rgb): Part[] {
  return [
    { field: subtract(disc(0, 0.5, 0.31), disc(0.15, 0.42, 0.26)), albedo: colour, surface: 'glaze', round: 0.08 },
  ];
}

/** A painted wooden star, tilted a little, with rounded points. */
export function woodenStar(colour: Rgb): Part[] {
  return [{ field: polygon(star(0, 0.52, 0.38, 0.16, 5, 0.12), 0.008), albedo: colour, surface: 'wood', round: 0.05 }];
}

/** A steel angle bracket: an L with a filleted inner corner. */
export function bracket(colour: Rgb): Part[] {
  const field = blend(box(-0.14, 0.45, 0.075, 0.33, 0.012), box(0.03, 0.71, 0.245, 0.07, 0.012), 0.04);
  return [{ field, albedo: colour, surface: 'metal', round: 0.04 }];
}

function face(cx: number, eyeY: number, scale: number, person: Person): Part[] {
  const dark: Rgb = [48, 34, 30];
  return [
    { field: disc(cx - 0.045 * scale, eyeY, 0.014 * scale), albedo: dark, surface: 'glaze', round: 0.014 * scale },
    { field: disc(cx + 0.045 * scale, eyeY, 0.014 * scale), albedo: dark, surface: 'glaze', round: 0.014 * scale },
    {
      field: box(cx, eyeY + 0.105 * scale, 0.032 * scale, 0.009 * scale, 0.008 * scale),
      albedo: [person.skin[0] * 0.75, person.skin[1] * 0.5, person.skin[2] * 0.5],
      surface: 'skin',
      round: 0.01 * scale,
    },
    {
      field: union(
        box(cx - 0.045 * scale, eyeY - 0.032 * scale, 0.028 * scale, 0.006 * scale, 0.005 * scale, 0.1),
        box(cx + 0.045 * scale, eyeY - 0.032 * scale, 0.028 * scale, 0.006 * scale, 0.005 * scale, -0.1),
      ),
      albedo: person.hair,
      surface: 'hair',
      round: 0.006 * scale,
    },
  ];
}

/** Head and shoulders, framed as a portrait: the shoulders run out of the bottom of the frame. */
export function portrait(person: Person): Part[] {
  const head = limb(0, 0.465, 0.09, 0, 0.3, 0.118);
  const neck = limb(0, 0.5, 0.062, 0, 0.66, 0.068);
  const shoulders = box(0, 1.04, 0.41, 0.36, 0.2);
  const cap = intersect(limb(0, 0.33, 0.126, 0, 0.27, 0.134), (_x, y) => y - 0.37);
  const parts: Part[] = [];
  if (person.longHair) {
    parts.push({ field: box(0, 0.5, 0.15, 0.17, 0.08), albedo: person.hair, surface: 'hair', round: 0.1 });
  }
  parts.push(
    { field: blend(neck, shoulders, 0.1), albedo: person.top, surface: 'knit', round: 0.25 },
    { field: intersect(neck, (_x, y) => y - 0.7), albedo: person.skin, surface: 'skin', round: 0.06 },
    {
      field: intersect(
        polygon([
          [-0.1, 0.66],
          [0.1, 0.66],
          [0, 0.8],
        ]),
        shoulders,
      ),
      albedo: person.skin,
      surface: 'skin',
      round: 0.05,
    },
    {
      field: union(disc(-0.116, 0.38, 0.03), disc(0.116, 0.38, 0.03)),
      albedo: person.skin,
      surface: 'skin',
      round: 0.03,
    },
    { field: head, albedo: person.skin, surface: 'skin', round: 0.09 },
    { field: cap, albedo: person.hair, surface: 'hair', round: 0.1 },
    ...face(0, 0.37, 1, person),
  );
  return parts;
}

/** A person standing, arms hanging a hand's width from the body, feet apart. */
export function figure(person: Standing): Part[] {
  const side = (f: (s: number) => Field): Field => union(f(-1), f(1));
  const arms = side((s) =>
    union(limb(s * 0.108, 0.255, 0.032, s * 0.165, 0.4, 0.029), limb(s * 0.165, 0.4, 0.028, s * 0.18, 0.54, 0.022)),
  );
  const hands = side((s) => limb(s * 0.181, 0.55, 0.022, s * 0.185, 0.595, 0.025));
  const torso = polygon(
    [
      [-0.1, 0.235],
      [0.1, 0.235],
      [0.075, 0.47],
      [0.088, 0.56],
      [-0.088, 0.56],
      [-0.075, 0.47],
    ],
    0.022,
  );
  const legs = side((s) =>
    union(limb(s * 0.052, 0.57, 0.048, s * 0.058, 0.75, 0.037), limb(s * 0.058, 0.75, 0.036, s * 0.06, 0.915, 0.028)),
  );
  const feet = side((s) => box(s * 0.072, 0.932, 0.045, 0.019, 0.015));
  return [
    { field: legs, albedo: person.bottom, surface: 'fabric', round: 0.028 },
    { field: feet, albedo: person.shoes, surface: 'rubber', round: 0.018 },
    { field: limb(0, 0.17, 0.026, 0, 0.24, 0.03), albedo: person.skin, surface: 'skin', round: 0.026 },
    { field: arms, albedo: person.top, surface: 'fabric', round: 0.022 },
    { field: torso, albedo: person.top, surface: 'fabric', round: 0.08 },
    { field: hands, albedo: person.skin, surface: 'skin', round: 0.022 },
    { field: limb(0, 0.165, 0.037, 0, 0.108, 0.046), albedo: person.skin, surface: 'skin', round: 0.037 },
    {
      field: intersect(limb(0, 0.12, 0.049, 0, 0.1, 0.051), (_x, y) => y - 0.125),
      albedo: person.hair,
      surface: 'hair',
      round: 0.04,
    },
    ...face(0, 0.115, 0.4, person),
  ];
}
