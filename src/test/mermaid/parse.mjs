// Parses each Mermaid file given with Mermaid's own parser (the one GitHub's renderer runs), under jsdom
// because mermaid's module expects a DOM. Prints "<file>: ok <type>" or "<file>: FAILED <reason>"; exit 1 on any failure.
import { JSDOM } from 'jsdom';
import fs from 'node:fs';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window; globalThis.document = dom.window.document;
try { globalThis.navigator = dom.window.navigator; } catch (e) {}
globalThis.DOMParser = dom.window.DOMParser; globalThis.Element = dom.window.Element;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
let failed = 0;
for (const f of process.argv.slice(2)) {
  const text = fs.readFileSync(f, 'utf8');
  try {
    const r = await mermaid.parse(text);
    console.log(`${f}: ok ${r.diagramType}`);
  } catch (e) {
    failed++;
    console.log(`${f}: FAILED ${String(e.message || e).split('\n').slice(0, 4).join(' | ')}`);
  }
}
process.exit(failed ? 1 : 0);
