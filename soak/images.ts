import sharp from 'sharp';

/** One test photo, generated once up front and uploaded many times. */
export interface StudioShot {
  name: string;
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  bytes: Buffer;
  width: number;
  height: number;
}

interface Spec {
  name: string;
  width: number;
  height: number;
  /** Backdrop gradient, top to bottom: a lit studio sweep. */
  backdrop: [string, string];
  /** SVG for the subject, drawn over the backdrop. */
  subject: string;
  format: 'jpeg' | 'png' | 'webp';
  /** Grain (standard deviation per channel): real sensors are never flat, and it sets the file size. */
  grain: number;
}

const SPECS: Spec[] = [
  {
    name: 'red-disc.jpg',
    width: 1200,
    height: 900,
    backdrop: ['#f7f7f5', '#dedcd8'],
    subject: '<circle cx="600" cy="450" r="260" fill="#c0392b"/>',
    format: 'jpeg',
    grain: 3,
  },
  {
    name: 'blue-box.jpg',
    width: 1000,
    height: 1000,
    backdrop: ['#eef3f8', '#d5dde6'],
    subject: '<rect x="270" y="300" width="460" height="420" rx="40" fill="#1f4e8c"/>',
    format: 'jpeg',
    grain: 4,
  },
  {
    name: 'green-bottle.png',
    width: 420,
    height: 560,
    backdrop: ['#fbfbfb', '#e9e9e9'],
    subject:
      '<rect x="165" y="100" width="90" height="70" rx="10" fill="#145a32"/><rect x="120" y="165" width="180" height="320" rx="45" fill="#1e8449"/>',
    format: 'png',
    grain: 1,
  },
  {
    name: 'orange-star.webp',
    width: 1400,
    height: 1050,
    backdrop: ['#fdf6ec', '#eadfce'],
    subject:
      '<polygon points="700,180 780,430 1040,430 830,580 910,830 700,680 490,830 570,580 360,430 620,430" fill="#d35400"/>',
    format: 'webp',
    grain: 5,
  },
];

/** A seeded normal generator (Box–Muller over a small LCG): the same bytes on every run. */
function gaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

async function render(spec: Spec, seed: number): Promise<StudioShot> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${spec.width}" height="${spec.height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="${spec.backdrop[0]}"/><stop offset="1" stop-color="${spec.backdrop[1]}"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>${spec.subject}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const noise = gaussian(seed);
  for (let i = 0; i < data.length; i += 1) {
    data[i] = Math.max(0, Math.min(255, Math.round((data[i] as number) + noise() * spec.grain)));
  }
  const image = sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } });
  const encoded =
    spec.format === 'jpeg'
      ? image.jpeg({ quality: 85 })
      : spec.format === 'png'
        ? image.png({ compressionLevel: 9 })
        : image.webp({ quality: 85 });
  const contentType = spec.format === 'jpeg' ? 'image/jpeg' : spec.format === 'png' ? 'image/png' : 'image/webp';
  return { name: spec.name, contentType, bytes: await encoded.toBuffer(), width: spec.width, height: spec.height };
}

/** The brief asks for small studio shots of 50–300 KB: a shot outside that range is a broken generator. */
export const MIN_BYTES = 50 * 1024;
export const MAX_BYTES = 300 * 1024;

export async function studioShots(): Promise<StudioShot[]> {
  const shots = await Promise.all(SPECS.map((spec, i) => render(spec, i + 1)));
  for (const shot of shots) {
    if (shot.bytes.length < MIN_BYTES || shot.bytes.length > MAX_BYTES) {
      throw new Error(`${shot.name} is ${shot.bytes.length} bytes, outside ${MIN_BYTES}–${MAX_BYTES}`);
    }
  }
  return shots;
}
