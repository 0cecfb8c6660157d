// Trunk's post-build hook, after minification and before compression: pins what the loader runs.
//   - Writes the sha384 of the JS glue and of the wasm into the loader (its PINNED placeholders),
//     which then refuses either file if it differs by one byte (www/kz-mobile-checkout-loader.js).
//   - Pins the loader, the glue it preloads and the stylesheet on the demo page (index.html), as
//     a merchant would on theirs.
//   - Writes dist/integrity.json: every file's sha384 in the form `integrity=` takes, for a
//     merchant's PCI DSS 6.4.3 inventory, and prints the loader's, the one value a merchant puts
//     on their <script> tag (README, "Pinning the widget").
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('pin-dist: TRUNK_STAGING_DIR is not set');
  process.exit(1);
}
const sri = (file) => `sha384-${createHash('sha384').update(readFileSync(join(dir, file))).digest('base64')}`;

const loader = join(dir, 'kz-mobile-checkout-loader.js');
let text = readFileSync(loader, 'utf8');
for (const [placeholder, file] of [['@@KZC_GLUE_SHA384@@', 'kz-mobile-checkout.js'], ['@@KZC_WASM_SHA384@@', 'kz-mobile-checkout_bg.wasm']]) {
  if (text.split(placeholder).length !== 2) {
    console.error(`pin-dist: the loader must hold ${placeholder} exactly once`);
    process.exit(1);
  }
  text = text.replace(placeholder, sri(file));
}
writeFileSync(loader, text);

// Every tag of the demo page that loads one of the widget's files gets its integrity, as a
// merchant's page would: the loader's <script>, the glue's modulepreload and the stylesheet.
const page = join(dir, 'index.html');
let html = readFileSync(page, 'utf8');
for (const file of ['kz-mobile-checkout-loader.js', 'kz-mobile-checkout.js', 'kz-mobile-checkout.css']) {
  const tag = new RegExp(`<(script|link)([^>]*) (src|href)="\\./${file.replace(/\./g, '\\.')}"`, 'g');
  const found = html.match(tag) || [];
  if (found.length !== 1) {
    console.error(`pin-dist: index.html must load ${file} exactly once (found ${found.length})`);
    process.exit(1);
  }
  html = html.replace(tag, (whole) => `${whole} integrity="${sri(file)}"`);
}
writeFileSync(page, html);

const files = {};
for (const name of readdirSync(dir).sort()) {
  if (name === 'integrity.json' || /\.(br|gz)$/.test(name) || !statSync(join(dir, name)).isFile()) continue;
  files[name] = sri(name);
}
writeFileSync(join(dir, 'integrity.json'), `${JSON.stringify(files, null, 2)}\n`);
console.log(`pin-dist: <script type="module" src=".../kz-mobile-checkout-loader.js" integrity="${files['kz-mobile-checkout-loader.js']}" crossorigin="anonymous">`);
