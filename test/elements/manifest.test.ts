import { expect } from '@open-wc/testing';
import '../../src/index.js';
import '../../src/components/call/call.js'; // loaded on demand by the SDK (while waiting); here up front

interface Declaration {
  tagName?: string;
  attributes?: { name: string }[];
  events?: { name: string }[];
  cssParts?: { name: string }[];
}

const TAGS = ['vc-consultation', 'vc-call', 'vc-waiting-room', 'vc-device-check'];

describe('custom-elements.json', () => {
  let declarations: Declaration[];
  before(async () => {
    const manifest = (await (await fetch('/custom-elements.json')).json()) as { modules: { declarations?: Declaration[] }[] };
    declarations = manifest.modules.flatMap((m) => m.declarations ?? []);
  });

  for (const tag of TAGS) {
    it(`documents every attribute of <${tag}> (regenerate with npx cem analyze)`, () => {
      const declaration = declarations.find((d) => d.tagName === tag);
      expect(declaration, `${tag} is missing from the manifest`).to.exist;
      const observed = (customElements.get(tag) as unknown as { observedAttributes: string[] }).observedAttributes;
      const documented = (declaration!.attributes ?? []).map((a) => a.name);
      expect(observed.filter((name) => !documented.includes(name))).to.deep.equal([]);
      expect(declaration!.events?.some((e) => e.name === 'vc-error')).to.be.true;
      expect(declaration!.cssParts?.some((p) => p.name === 'base')).to.be.true;
    });
  }
});
