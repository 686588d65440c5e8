// Copies the browser's RDP client out of node_modules into the panel's assets (the directory given as the only
// argument). The RDP backend's package carries its WebAssembly inline as a data: URL, which the panel's
// Content-Security-Policy (connect-src 'self') does not let it fetch; the module is written with the WebAssembly
// as a file beside it instead, fetched from the same origin. Fails unless the package looks exactly as expected.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: node assemble.mjs OUTPUT-DIRECTORY');
  process.exit(2);
}
const modules = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'node_modules', '@devolutions');
const component = readFileSync(join(modules, 'iron-remote-desktop', 'iron-remote-desktop.js'), 'utf8');
const backend = readFileSync(join(modules, 'iron-remote-desktop-rdp', 'iron-remote-desktop-rdp.js'), 'utf8');

const inline = /const (\w+) = "data:application\/wasm;base64,([A-Za-z0-9+/=]+)";/g;
const found = [...backend.matchAll(inline)];
if (found.length !== 1) {
  console.error(`expected one inline WebAssembly module in iron-remote-desktop-rdp.js, found ${found.length}:`
    + ' the package changed; look at how it loads its WebAssembly before updating it');
  process.exit(1);
}
const [literal, name, base64] = found[0];
const wasm = Buffer.from(base64, 'base64');
if (wasm.subarray(0, 4).toString('latin1') !== '\0asm') {
  console.error('the inline module of iron-remote-desktop-rdp.js is not WebAssembly');
  process.exit(1);
}
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'iron-remote-desktop.js'), component);
writeFileSync(join(out, 'iron-remote-desktop-rdp.wasm'), wasm);
writeFileSync(join(out, 'iron-remote-desktop-rdp.js'),
  backend.replace(literal, `const ${name} = new URL("iron-remote-desktop-rdp.wasm", import.meta.url);`));
console.log(`desktop client: ${component.length} + ${backend.length - literal.length} bytes of JavaScript,`
  + ` ${wasm.length} bytes of WebAssembly in ${out}`);
