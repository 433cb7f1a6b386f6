// What the build emits, checked against the sources it came from. Element tests run from source, so a transform
// that only the build applies (template minifier, terser) is seen only here: every `svg` template in src/ must
// reach the browser, from the built embed bundle, as the same shapes with the same attributes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseAst } from 'rollup/parseAst';
import ts from 'typescript';
import { chromiumArgs, chromiumPath } from './stack.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// Stands for every `${…}` on both sides, so source and build are compared with the same holes.
const HOLE = 'VC_HOLE';

interface SourceTemplate {
  where: string;
  text: string;
}

/** Every svg`…` tagged template in src/, its static parts joined with HOLE. */
function sourceSvgTemplates(): SourceTemplate[] {
  const found: SourceTemplate[] = [];
  const files = readdirSync(join(root, 'src'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const code = readFileSync(join(root, 'src', file), 'utf8');
    if (!code.includes('svg`')) continue;
    const sourceFile = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isTaggedTemplateExpression(node) && node.tag.getText(sourceFile) === 'svg') {
        const template = node.template;
        const parts = ts.isNoSubstitutionTemplateLiteral(template)
          ? [template.text]
          : [template.head.text, ...template.templateSpans.map((span) => span.literal.text)];
        const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
        found.push({ where: `src/${file}:${line + 1}`, text: parts.join(HOLE) });
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return found;
}

interface AstNode {
  type: string;
  [key: string]: unknown;
}

/** Every template literal in the embed bundle and its chunks (terser renames the tags, so all of them). */
function builtTemplates(): string[] {
  const files = [
    'dist/videoconsult.js',
    ...readdirSync(join(root, 'dist/chunks'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => `dist/chunks/${f}`),
  ];
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as AstNode;
    if (n.type === 'TemplateLiteral') {
      const quasis = n.quasis as { value: { cooked: string | null; raw: string } }[];
      const text = quasis.map((q) => q.value.cooked ?? q.value.raw).join(HOLE);
      if (text.includes('<')) texts.push(text);
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'type') walk(value);
  };
  for (const file of files) walk(parseAst(readFileSync(join(root, file), 'utf8')));
  return texts;
}

/**
 * Parses each text as lit parses an svg`` template (inside <svg>, through the HTML parser of a <template>) and
 * returns the element tree it becomes: tags, attributes and nesting; whitespace between tags is not content.
 */
function shapesInBrowser(page: Page, texts: string[]): Promise<string[]> {
  // A string, not a function: tsx would wrap the named helpers in a `__name` call the page does not have.
  return page.evaluate(`(() => {
    const describe = (el) => {
      const attrs = [...el.attributes].map((a) => a.name + '=' + JSON.stringify(a.value)).sort();
      return el.localName + '[' + attrs.join(' ') + '](' + [...el.children].map(describe).join(',') + ')';
    };
    return ${JSON.stringify(texts)}.map((text) => {
      const template = document.createElement('template');
      template.innerHTML = '<svg>' + text + '</svg>';
      const svg = template.content.firstElementChild;
      return svg ? [...svg.children].map(describe).join(',') : '';
    });
  })()`);
}

let browser: Browser;
let page: Page;
before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  page = await browser.newPage();
});
after(async () => {
  await browser?.close();
});

test('every svg template of src/ is drawn from the built bundle with the same shapes as in the source', async () => {
  const sources = sourceSvgTemplates();
  // The call's icons and the whiteboard's tool icons at least; a parser change that finds none proves nothing.
  assert.ok(sources.length >= 20, `found only ${sources.length} svg templates in src/`);
  const built = new Set(await shapesInBrowser(page, builtTemplates()));
  const expected = await shapesInBrowser(
    page,
    sources.map((s) => s.text),
  );
  const missing = sources.flatMap((s, i) => (built.has(expected[i]) ? [] : [`${s.where}: ${expected[i]}`]));
  assert.deepEqual(missing, [], 'svg templates whose shapes differ in dist/ (nested, lost or changed)');
});
