import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { loadEngine } from '../local/removebg/engine';
import { parseOptions } from '../local/removebg/options';
import { removeBackground } from '../local/removebg/render';
import { MODEL_SHA256 } from '../local/removebg/segmenter';

/**
 * The landing page's before/after samples (`npm run build:web` runs this before Vite): three
 * drawn scenes — nobody's photograph, so no licence to track — rendered with sharp and cut out
 * by our own engine, the one the local remove.bg runs, into hosting/public/samples (generated,
 * not committed). Skipped when this script and the model are unchanged since the last run; if
 * the engine cannot run here, the folder is removed and the page simply shows no samples.
 */

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'hosting', 'public', 'samples');
const WIDTH = 640;
const HEIGHT = 480;

/** A fine grain over a surface, so the scenes are not flat fills (the engine sees texture in real photos). */
const GRAIN = `<filter id="grain" x="0" y="0" width="100%" height="100%">
  <feTurbulence type="fractalNoise" baseFrequency="0.85" numOctaves="2" seed="7"/>
  <feColorMatrix type="matrix" values="0 0 0 0 0  0 0 0 0 0  0 0 0 0 0  0 0 0 0.09 0"/>
</filter>`;

const svg = (defs: string, body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">` +
  `<defs>${GRAIN}${defs}</defs>${body}</svg>`;

const SCENES: { slug: string; title: string; svg: string }[] = [
  {
    slug: 'bottle',
    title: 'A perfume bottle on a wooden table',
    svg: svg(
      `<linearGradient id="wall" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#ece6dc"/><stop offset="1" stop-color="#d6cbbb"/></linearGradient>
       <linearGradient id="wood" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#a8764c"/><stop offset="1" stop-color="#744b2c"/></linearGradient>
       <linearGradient id="glass" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#1f5a78"/><stop offset="0.3" stop-color="#5fb3d3"/><stop offset="0.7" stop-color="#3a86a8"/><stop offset="1" stop-color="#163f55"/></linearGradient>
       <linearGradient id="gold" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#9c7a2e"/><stop offset="0.4" stop-color="#f0d58a"/><stop offset="1" stop-color="#8a6a22"/></linearGradient>
       <radialGradient id="shade"><stop offset="0" stop-color="#000" stop-opacity="0.35"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>`,
      `<rect width="640" height="480" fill="url(#wall)"/>
       <rect y="340" width="640" height="140" fill="url(#wood)"/>
       <path d="M0 372 C160 366 320 380 640 370 M0 410 C200 404 380 418 640 406 M0 448 C180 442 420 456 640 444" stroke="#5c3a20" stroke-width="3" fill="none" opacity="0.35"/>
       <rect width="640" height="480" filter="url(#grain)"/>
       <ellipse cx="330" cy="398" rx="130" ry="18" fill="url(#shade)"/>
       <rect x="300" y="150" width="44" height="40" fill="#1d4c64"/>
       <rect x="284" y="96" width="76" height="60" rx="10" fill="url(#gold)"/>
       <rect x="240" y="186" width="164" height="210" rx="28" fill="url(#glass)"/>
       <rect x="256" y="204" width="14" height="170" rx="7" fill="#ffffff" opacity="0.35"/>
       <rect x="272" y="250" width="100" height="76" rx="6" fill="#f7f2e7"/>
       <rect x="286" y="268" width="72" height="8" rx="4" fill="#4b3b2a"/>
       <rect x="296" y="286" width="52" height="6" rx="3" fill="#8c7a62"/>
       <rect x="302" y="302" width="40" height="6" rx="3" fill="#8c7a62"/>`,
    ),
  },
  {
    slug: 'mug',
    title: 'A mug of coffee',
    svg: svg(
      `<linearGradient id="back" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#cfdccf"/><stop offset="1" stop-color="#9fb3a4"/></linearGradient>
       <linearGradient id="desk" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f1efea"/><stop offset="1" stop-color="#d9d5cc"/></linearGradient>
       <linearGradient id="clay" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#8f2f22"/><stop offset="0.35" stop-color="#e0684c"/><stop offset="0.75" stop-color="#c44d35"/><stop offset="1" stop-color="#7a261b"/></linearGradient>
       <radialGradient id="coffee"><stop offset="0" stop-color="#7a4a2a"/><stop offset="1" stop-color="#3b2214"/></radialGradient>
       <radialGradient id="shade"><stop offset="0" stop-color="#000" stop-opacity="0.3"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>
       <filter id="soft"><feGaussianBlur stdDeviation="14"/></filter>`,
      `<rect width="640" height="480" fill="url(#back)"/>
       <g filter="url(#soft)" fill="#ffffff" opacity="0.45"><circle cx="90" cy="90" r="40"/><circle cx="560" cy="70" r="55"/><circle cx="520" cy="230" r="30"/><circle cx="130" cy="250" r="34"/></g>
       <rect y="360" width="640" height="120" fill="url(#desk)"/>
       <rect width="640" height="480" filter="url(#grain)"/>
       <ellipse cx="335" cy="392" rx="150" ry="20" fill="url(#shade)"/>
       <path d="M400 200 C500 196 500 340 400 336" stroke="#b2432d" stroke-width="20" fill="none" stroke-linecap="round"/>
       <path d="M228 170 L228 356 C228 392 412 392 412 356 L412 170 Z" fill="url(#clay)"/>
       <ellipse cx="320" cy="170" rx="92" ry="22" fill="#a83c28"/>
       <ellipse cx="320" cy="172" rx="80" ry="16" fill="url(#coffee)"/>
       <rect x="244" y="190" width="12" height="160" rx="6" fill="#ffffff" opacity="0.25"/>`,
    ),
  },
  {
    slug: 'duck',
    title: 'A rubber duck',
    svg: svg(
      `<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5a7fa6"/><stop offset="1" stop-color="#a9c1d8"/></linearGradient>
       <linearGradient id="floor" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#8aa3b8"/><stop offset="1" stop-color="#6b8499"/></linearGradient>
       <radialGradient id="yellow" cx="0.4" cy="0.35" r="0.75"><stop offset="0" stop-color="#fff27a"/><stop offset="0.6" stop-color="#ffcc1f"/><stop offset="1" stop-color="#d99a00"/></radialGradient>
       <linearGradient id="beak" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#ff9a3c"/><stop offset="1" stop-color="#e0601a"/></linearGradient>
       <radialGradient id="shade"><stop offset="0" stop-color="#000" stop-opacity="0.35"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>`,
      `<rect width="640" height="480" fill="url(#sky)"/>
       <rect y="370" width="640" height="110" fill="url(#floor)"/>
       <rect width="640" height="480" filter="url(#grain)"/>
       <ellipse cx="310" cy="404" rx="170" ry="20" fill="url(#shade)"/>
       <path d="M170 300 L132 236 L214 268 Z" fill="#e8ac06"/>
       <ellipse cx="300" cy="320" rx="150" ry="86" fill="url(#yellow)"/>
       <circle cx="392" cy="196" r="70" fill="url(#yellow)"/>
       <path d="M446 206 C492 200 506 214 500 226 C486 238 458 236 440 228 Z" fill="url(#beak)"/>
       <ellipse cx="276" cy="316" rx="70" ry="36" fill="#f2b705" opacity="0.75"/>
       <circle cx="412" cy="178" r="11" fill="#1b1b1b"/>
       <circle cx="416" cy="174" r="4" fill="#ffffff"/>`,
    ),
  },
];

interface Sample {
  title: string;
  before: string;
  after: string;
  width: number;
  height: number;
}

/** What the samples depend on: this file (the scenes) and the model. */
const version = createHash('sha256').update(readFileSync(__filename)).update(MODEL_SHA256).digest('hex').slice(0, 16);
const manifestPath = join(OUT, 'manifest.json');

function upToDate(): boolean {
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: string; samples?: Sample[] };
    return (
      manifest.version === version &&
      (manifest.samples ?? []).every((s) => existsSync(join(OUT, s.before.split('/').pop() ?? '')))
    );
  } catch {
    return false;
  }
}

async function makeSamples(): Promise<Sample[]> {
  const engine = await loadEngine();
  try {
    // The full size (640×480 is far under remove.bg's limits), a PNG with its alpha.
    const options = await parseOptions({ size: 'full', format: 'png' });
    const samples: Sample[] = [];
    for (const scene of SCENES) {
      const photo = await sharp(Buffer.from(scene.svg)).png().toBuffer();
      const cutout = await removeBackground(engine, photo, options);
      await sharp(photo)
        .webp({ quality: 82 })
        .toFile(join(OUT, `${scene.slug}-before.webp`));
      await sharp(cutout.body)
        .webp({ quality: 85, alphaQuality: 100 })
        .toFile(join(OUT, `${scene.slug}-after.webp`));
      samples.push({
        title: scene.title,
        before: `/samples/${scene.slug}-before.webp`,
        after: `/samples/${scene.slug}-after.webp`,
        width: cutout.width,
        height: cutout.height,
      });
    }
    return samples;
  } finally {
    await engine.release();
  }
}

async function main(): Promise<void> {
  if (upToDate()) {
    console.log('samples: up to date');
    return;
  }
  const started = Date.now();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  try {
    const samples = await makeSamples();
    writeFileSync(manifestPath, `${JSON.stringify({ version, samples }, null, 2)}\n`);
    console.log(`samples: ${samples.length} made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    // Not fatal to the build: the landing page hides its samples section without the manifest.
    rmSync(OUT, { recursive: true, force: true });
    console.warn(`samples: skipped (${error instanceof Error ? error.message : String(error)})`);
  }
}

void main();
