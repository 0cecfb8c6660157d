// Trunk's last post-build hook: writes a brotli (`.br`) and a gzip (`.gz`) copy beside every file
// a browser downloads from dist/, so the reference backend (tower-http's precompressed files),
// nginx (`brotli_static`, `gzip_static`) or a CDN can serve them as they are, compressed once at
// build time at the highest levels rather than per request. Node's own zlib does both.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('compress-dist: TRUNK_STAGING_DIR is not set');
  process.exit(1);
}
const served = /\.(wasm|js|mjs|css|html|json|ts|svg|txt)$/;
for (const name of readdirSync(dir)) {
  const file = join(dir, name);
  if (!served.test(name) || !statSync(file).isFile()) continue;
  const raw = readFileSync(file);
  writeFileSync(`${file}.br`, brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      [constants.BROTLI_PARAM_MODE]: name.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
    },
  }));
  writeFileSync(`${file}.gz`, gzipSync(raw, { level: 9 }));
}
