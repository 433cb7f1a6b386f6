// `npx cem analyze` → custom-elements.json: every attribute, property, event, part, slot and CSS property of the
// public elements, read from their JSDoc (@fires, @csspart, @cssprop, @slot) and Lit decorators.

/** Our elements register with `VcThing.define('vc-thing')` (double-registration safe), which CEM cannot see. */
function vcDefinePlugin() {
  return {
    name: 'vc-define',
    analyzePhase({ ts, node, moduleDoc }) {
      if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return;
      if (node.expression.name.getText() !== 'define') return;
      const [tag] = node.arguments;
      if (!tag || !ts.isStringLiteral(tag) || !tag.text.startsWith('vc-')) return;
      const className = node.expression.expression.getText();
      const declaration = moduleDoc.declarations?.find((d) => d.name === className);
      if (!declaration) return;
      declaration.tagName = tag.text;
      declaration.customElement = true;
      moduleDoc.exports ??= [];
      if (!moduleDoc.exports.some((e) => e.kind === 'custom-element-definition' && e.name === tag.text)) {
        moduleDoc.exports.push({
          kind: 'custom-element-definition',
          name: tag.text,
          declaration: { name: className, module: moduleDoc.path },
        });
      }
    },
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        for (const declaration of mod.declarations ?? []) {
          // `dispatchEvent(new VcSomethingEvent())` yields nameless entries; the JSDoc @fires carry the names.
          if (declaration.events) declaration.events = declaration.events.filter((event) => event.name);
          // The abstract base class is not an element of its own.
          if (declaration.customElement && !declaration.tagName) delete declaration.customElement;
        }
      }
    },
  };
}

export default {
  globs: ['src/components/**/*.ts', 'src/events/*.ts', 'src/internal/vc-element.ts', 'src/internal/session-element.ts'],
  exclude: ['src/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
  plugins: [vcDefinePlugin()],
};
